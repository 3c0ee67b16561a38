"""A real browser on the document page: a citation opens the document at the quoted provision."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.app.browser_kit import ARTIFACTS, NEEDS_CHROMIUM, axe_violations

pytestmark = NEEDS_CHROMIUM
QUESTION = "Những trường hợp nào không được hưởng bảo hiểm y tế?"


def _doc(live_server: str, number: str) -> dict[str, Any]:
    docs = httpx.get(f"{live_server}/api/documents", timeout=30).json()
    found: dict[str, Any] = next(d for d in docs if number in (d.get("number") or ""))
    return found


def _target_in_view(page: Any) -> dict[str, Any]:
    """The element the URL's fragment names: its id, whether it matches :target, and whether it is on screen."""
    info: dict[str, Any] = page.evaluate(
        "() => { const id = decodeURIComponent(location.hash.slice(1)); const e = document.getElementById(id);"
        " if (!e) return {id, found: false}; const r = e.getBoundingClientRect();"
        " return {id, found: true, target: e.matches(':target'), top: r.top, bottom: r.bottom,"
        " height: innerHeight, bg: getComputedStyle(e).backgroundColor, marks: e.querySelectorAll('mark').length} }")
    return info


def _assert_opened_at_provision(page: Any) -> dict[str, Any]:
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.getElementById(decodeURIComponent(location.hash.slice(1)))")
    page.wait_for_timeout(700)  # smooth scrolling settles
    info = _target_in_view(page)
    assert info["found"] and info["target"], info
    assert info["id"].startswith("dieu-23")
    assert 0 <= info["top"] < info["height"], info  # scrolled into view
    assert info["bg"] not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted
    assert info["marks"] >= 1  # the quoted sentences are marked within it
    return info


def test_a_source_on_the_chat_page_opens_the_cited_khoan(browser: Any, live_server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/")
    page.locator("#hoidap-input textarea").fill(QUESTION)
    page.locator("#hoidap-send").click()
    link = page.locator("#hoidap-sources a[href^='/van-ban/']").first
    link.wait_for(timeout=60_000)
    assert ".md" not in page.locator("#hoidap-sources").inner_text()  # no internal file name
    with context.expect_page() as opened:
        link.click()
    doc = opened.value
    assert doc.url.startswith(live_server + "/van-ban/")
    _assert_opened_at_provision(doc)
    # The [n] marker in the answer links to the same page.
    marker = page.locator("#hoidap-chat sup.cite a").first
    assert (marker.get_attribute("href") or "").startswith("/van-ban/")
    context.close()


def test_a_source_in_the_widget_opens_a_new_tab_on_the_assistants_origin(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/demo")
    page.locator("#hoidap-widget .btn").click()
    page.locator("#hoidap-widget textarea").fill(QUESTION)
    page.locator("#hoidap-widget .send").click()
    link = page.locator("#hoidap-widget .src a").first
    link.wait_for(timeout=60_000)
    assert link.get_attribute("target") == "_blank" and "noopener" in (link.get_attribute("rel") or "")
    with context.expect_page() as opened:
        link.click()
    doc = opened.value
    assert doc.url.startswith(live_server + "/van-ban/")
    _assert_opened_at_provision(doc)
    assert page.url.endswith("/demo")  # the host page stays where it was
    context.close()


def test_a_deep_link_to_a_diem(browser: Any, live_server: str) -> None:
    bhyt = _doc(live_server, "22/VBHN-VPQH")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}{bhyt['url']}#dieu-12-khoan-1-diem-a")
    page.wait_for_timeout(500)
    info = _target_in_view(page)
    assert info["found"] and info["target"] and 0 <= info["top"] < info["height"], info
    article = page.locator("#dieu-12")
    assert article.locator("#dieu-12-khoan-1 > #dieu-12-khoan-1-diem-a").count() == 1  # điểm nested in khoản
    page.close()


def test_a_superseded_decree_shows_its_banner(browser: Any, live_server: str) -> None:
    nd146 = _doc(live_server, "146/2018")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server}{nd146['url']}")
    banner = page.locator(".banner")
    assert banner.is_visible() and "188/2025/NĐ-CP" in banner.inner_text()
    box = banner.bounding_box()
    assert box is not None and box["y"] < 844
    page.close()


def test_the_document_page_works_with_the_keyboard_alone(browser: Any, live_server: str) -> None:
    bhyt = _doc(live_server, "22/VBHN-VPQH")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}{bhyt['url']}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#noi-dung"
    for _ in range(10):  # on to the table of contents' first article
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#dieu-1":
            break
    for _ in range(4):
        page.keyboard.press("Tab")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href and href.startswith("#dieu-")
    page.keyboard.press("Enter")
    page.wait_for_timeout(700)
    info = _target_in_view(page)
    assert info["id"] == href[1:] and info["target"] and 0 <= info["top"] < info["height"]
    page.close()


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_document_page_is_accessible_and_fits(browser: Any, live_server: str, axe_source: str,
                                                  width: int, height: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    reply = httpx.post(f"{live_server}/api/ask", json={"question": QUESTION}, timeout=120).json()
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server + reply["citations"][0]["url"])
    _assert_opened_at_provision(page)
    page.screenshot(path=str(ARTIFACTS / f"document-{width}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    assert axe_violations(page, axe_source) == []
    nd146 = _doc(live_server, "146/2018")
    page.goto(f"{live_server}{nd146['url']}")
    page.screenshot(path=str(ARTIFACTS / f"document-superseded-{width}.png"))
    assert axe_violations(page, axe_source) == []
    assert errors == []
    page.close()
