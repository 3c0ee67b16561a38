"""A real browser (Debian's Chromium, headless): the widget on a host page of another origin, and the chat page."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium)")]


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


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
