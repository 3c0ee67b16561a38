"""A real browser (Debian's Chromium, headless): the widget on a host page of another origin, and the chat page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.app.browser_kit import ARTIFACTS, NEEDS_CHROMIUM, axe_violations

pytestmark = NEEDS_CHROMIUM
_axe = axe_violations


@pytest.fixture(scope="module")
def host_page(live_server: str, other_origin_port: int) -> Iterator[str]:
    """The demo health-center page, served from another loopback port (another origin)."""
    page = httpx.get(f"{live_server}/demo").text

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", other_origin_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{other_origin_port}/"
    server.shutdown()


def _external_requests(page: Any, allowed: tuple[str, ...]) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if not r.url.startswith(allowed) and
            not r.url.startswith(("data:", "blob:")) else None)
    return seen


@pytest.mark.parametrize("width,height", [(1280, 900), (360, 740)])
def test_widget_answers_with_citations_on_another_origin(browser: Any, host_page: str, live_server: str,
                                                         width: int, height: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    external = _external_requests(page, (host_page, live_server))
    dialogs: list[str] = []
    page.on("dialog", lambda d: _record_dialog(dialogs, d))
    page.goto(host_page)
    page.locator("#hoidap-widget .btn").click()
    page.locator("#hoidap-widget textarea").fill("Kế hoạch hành động của Bộ Y tế có mấy giai đoạn?")
    page.locator("#hoidap-widget .send").click()
    answer = page.locator('#hoidap-widget [data-role="answer"]').last
    answer.locator("sup").first.wait_for(timeout=60_000)
    page.locator("#hoidap-widget .src li").first.wait_for(timeout=10_000)
    assert "ba giai đoạn" in answer.inner_text()
    assert answer.get_attribute("data-reason") == "answered"
    page.screenshot(path=str(ARTIFACTS / f"widget-{width}.png"))
    # The host page's aggressive button style does not reach inside the widget.
    bg = page.locator("#hoidap-widget .send").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg != "rgb(255, 255, 0)"
    box = page.locator("#hoidap-widget .panel").bounding_box()
    assert box and box["width"] <= width and box["x"] >= 0

    page.locator("#hoidap-widget textarea").fill("<img src=x onerror=alert(1)> Nghị quyết 57 ban hành ngày nào?")
    page.locator("#hoidap-widget .send").click()
    page.locator('#hoidap-widget [data-role="answer"][data-reason]').nth(1).wait_for(timeout=60_000)
    second = page.locator('#hoidap-widget [data-role="answer"]').nth(1)
    assert second.get_attribute("data-reason") == "answered" and second.locator("sup").count() >= 1
    assert "<img src=x onerror=alert(1)>" in page.locator("#hoidap-widget .msg.me").last.inner_text()
    assert page.locator("#hoidap-widget img").count() == 0 and not dialogs
    assert not external, external
    page.close()


def test_chat_page_streams_a_cited_answer(browser: Any, live_server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external = _external_requests(page, (live_server,))
    dialogs: list[str] = []
    page.on("dialog", lambda d: _record_dialog(dialogs, d))
    page.goto(live_server + "/")
    page.locator("#hoidap-input textarea").fill("<img src=x onerror=alert(1)> Số điện thoại của CDC Hà Nội là gì?")
    page.locator("#hoidap-send").click()
    page.locator("#hoidap-chat .cite").first.wait_for(timeout=60_000)
    page.locator("#hoidap-sources blockquote").first.wait_for(timeout=30_000)
    assert "02438343537" in page.locator("#hoidap-chat").inner_text()
    assert "<img src=x onerror=alert(1)>" in page.locator("#hoidap-chat").inner_text()
    assert not dialogs
    page.screenshot(path=str(ARTIFACTS / "chat-1280.png"), full_page=True)
    assert not external, external
    page.close()


def _record_dialog(dialogs: list[str], dialog: Any) -> None:
    dialogs.append(dialog.message)
    dialog.dismiss()


def _csp_watch(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    return seen


def _ask_page(page: Any, question: str) -> Any:
    page.locator("#hoidap-input textarea").fill(question)
    page.locator("#hoidap-send").click()
    return page


def _ask_widget(page: Any, question: str, n: int) -> Any:
    page.locator("#hoidap-widget textarea").fill(question)
    page.locator("#hoidap-widget .send").click()
    answer = page.locator('#hoidap-widget [data-role="answer"][data-reason]').nth(n)
    answer.wait_for(timeout=60_000)
    return answer


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_chat_page_greets_shows_sources_beside_the_answer_and_flags_emergencies(
        browser: Any, live_server: str, axe_source: str, width: int, height: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    violations = _csp_watch(page)
    page.goto(live_server + "/")
    greeting = page.locator("#hoidap-chat .message").first
    greeting.wait_for(timeout=30_000)
    assert "115" in greeting.inner_text() and page.locator("html").get_attribute("lang") == "vi"
    assert page.locator('#hoidap-chat [aria-live]').count() >= 1  # the streamed answer is announced

    _ask_page(page, "Số điện thoại của CDC Hà Nội là gì?")
    page.locator("#hoidap-chat .cite").first.wait_for(timeout=60_000)
    page.locator("#hoidap-sources blockquote").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / f"page-{width}-answer.png"))
    summary = page.locator("#hoidap-chat details.msg-sources summary").last
    if width < 1000:
        # On a phone the sources column is far below: one tap next to the answer opens its sources.
        assert summary.is_visible()
        box = summary.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height
        summary.click()
        quote = page.locator("#hoidap-chat details.msg-sources blockquote").last
        quote.wait_for(timeout=5_000)
        assert "02438343537" in quote.inner_text()
    else:
        assert not summary.is_visible() and page.locator("#hoidap-sources blockquote").first.is_visible()
    assert _axe(page, axe_source) == []

    _ask_page(page, "Bố tôi đang đau ngực dữ dội và khó thở, phải làm sao?")
    alarm = page.locator("#hoidap-chat .emergency").last
    alarm.wait_for(timeout=60_000)
    call = alarm.locator('a.em-call[href="tel:115"]')
    assert call.is_visible()
    assert alarm.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(185, 28, 28)"
    page.screenshot(path=str(ARTIFACTS / f"page-{width}-emergency.png"))
    assert _axe(page, axe_source) == []
    assert violations == []
    page.close()


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_demo_page_widget_answers_and_flags_emergencies(browser: Any, live_server: str, axe_source: str,
                                                        width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    violations = _csp_watch(page)
    page.goto(live_server + "/demo")
    page.locator("#hoidap-widget .btn").click()
    assert _axe(page, axe_source) == []
    _ask_widget(page, "Kế hoạch hành động của Bộ Y tế có mấy giai đoạn?", 0)
    page.screenshot(path=str(ARTIFACTS / f"demo-{width}-answer.png"))
    alarm = _ask_widget(page, "Bố tôi đang đau ngực dữ dội và khó thở, phải làm sao?", 1)
    assert alarm.get_attribute("data-reason") == "emergency" and "emergency" in (alarm.get_attribute("class") or "")
    assert alarm.get_attribute("role") == "alert" and alarm.locator('a[href="tel:115"]').is_visible()
    page.screenshot(path=str(ARTIFACTS / f"demo-{width}-emergency.png"))
    assert _axe(page, axe_source) == []
    assert violations == []
    page.close()


def _widget_focus(page: Any) -> str:
    return str(page.evaluate(
        "() => { const r = document.querySelector('#hoidap-widget').shadowRoot; const a = r.activeElement;"
        " return a ? a.tagName + '.' + a.className : (document.activeElement || {}).tagName }"))


def test_widget_works_with_the_keyboard_alone(browser: Any, host_page: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(host_page)
    page.locator("#hoidap-widget .btn").wait_for()
    for _ in range(40):
        page.keyboard.press("Tab")
        if _widget_focus(page) == "BUTTON.btn":
            break
    assert _widget_focus(page) == "BUTTON.btn"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#hoidap-widget').shadowRoot.activeElement?.tagName === 'TEXTAREA'")
    assert page.locator("#hoidap-widget .btn").get_attribute("aria-expanded") == "true"
    page.keyboard.type("Nghị quyết 57 ban hành ngày nào?")
    page.keyboard.press("Enter")
    answer = page.locator('#hoidap-widget [data-role="answer"][data-reason]').first
    answer.wait_for(timeout=60_000)
    assert answer.get_attribute("data-reason") == "answered"
    assert page.locator("#hoidap-widget .log").get_attribute("aria-live") == "polite"
    page.keyboard.press("Escape")
    assert not page.locator("#hoidap-widget .panel").is_visible()
    assert _widget_focus(page) == "BUTTON.btn"
    page.close()


def test_admin_console_in_a_real_browser(browser: Any, admin: tuple[str, Any], axe_source: str) -> None:
    from tests.app.conftest import TOKEN

    url, _ = admin
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        violations = _csp_watch(page)
        page.goto(url + "/admin")
        page.locator("#token").fill(TOKEN)
        page.locator("#login-form button").click()
        page.locator("#docs-body tr").first.wait_for(timeout=30_000)
        assert TOKEN not in page.content()
        assert _axe(page, axe_source) == []
        page.screenshot(path=str(ARTIFACTS / f"admin-{width}-documents.png"), full_page=True)
        page.locator("#tab-usage").click()
        page.locator("#usage-stats .stat").first.wait_for(timeout=10_000)
        assert _axe(page, axe_source) == []
        page.screenshot(path=str(ARTIFACTS / f"admin-{width}-usage.png"), full_page=True)
        page.locator("#tab-feedback").click()
        page.locator("#feedback-status").wait_for()
        assert _axe(page, axe_source) == []
        assert violations == []
        page.close()
