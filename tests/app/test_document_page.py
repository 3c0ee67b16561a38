"""The document page and its API: citations open the document at the quoted provision."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.document_page import render
from app.render import answer_html, sources_html
from rag.answer.prompts import Prompts
from rag.settings import PROJECT_ROOT

TEXTS = Prompts(PROJECT_ROOT / "prompts").ui()
BHYT_NUMBER = "22/VBHN-VPQH"


def _docs(live_server: str) -> list[dict[str, Any]]:
    got = httpx.get(f"{live_server}/api/documents", timeout=30)
    assert got.status_code == 200
    docs: list[dict[str, Any]] = got.json()
    return docs


def _ask(live_server: str, question: str) -> dict[str, Any]:
    got = httpx.post(f"{live_server}/api/ask", json={"question": question}, timeout=120)
    assert got.status_code == 200
    reply: dict[str, Any] = got.json()
    return reply


def test_every_document_lists_its_page(live_server: str) -> None:
    docs = _docs(live_server)
    assert len(docs) == 9
    for d in docs:
        assert d["url"] == f"/van-ban/{d['id']}" and re.fullmatch(r"[a-z0-9-]+", d["id"])
    assert len({d["id"] for d in docs}) == 9


def test_a_legal_citation_opens_the_quoted_provision(live_server: str) -> None:
    reply = _ask(live_server, "Những trường hợp nào không được hưởng bảo hiểm y tế?")
    cite = reply["citations"][0]
    url = urlsplit(cite["url"])
    assert url.path.startswith("/van-ban/") and url.fragment.startswith("dieu-23")
    page = httpx.get(f"{live_server}{url.path}?{url.query}", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert f'id="{url.fragment}"' in html and "<mark>" in html
    assert 'lang="vi"' in html
    # No resource from elsewhere; no internal file name shown.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert cite["source"].rsplit("/", 1)[-1] not in html


def test_the_api_gives_attributes_and_the_structure_tree(live_server: str) -> None:
    bhyt = next(d for d in _docs(live_server) if BHYT_NUMBER in (d.get("number") or ""))
    got = httpx.get(f"{live_server}/api/documents/{bhyt['id']}", timeout=30)
    assert got.status_code == 200
    body = got.json()
    assert body["number"] == BHYT_NUMBER and body["url"] == bhyt["url"] and body["kind"] == "legal"

    def walk(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for u in units for x in [u, *walk(u["children"])]]

    units = walk(body["structure"])
    articles = [u for u in units if u["kind"] == "article"]
    assert len(articles) == body["articles"] == 57
    k5 = next(u for u in units if u["id"] == "dieu-23-khoan-5")
    assert k5["label"] == "5." and k5["text"]
    assert any(u["notes"] and u["notes"][0]["by"] for u in units)


def test_unknown_ids_get_the_json_404_and_the_vietnamese_page(live_server: str) -> None:
    api = httpx.get(f"{live_server}/api/documents/khong-co-van-ban-nay", timeout=30)
    assert api.status_code == 404 and api.json()["code"] == "document_not_found"
    page = httpx.get(f"{live_server}/van-ban/khong-co-van-ban-nay", timeout=30)
    assert page.status_code == 404 and 'lang="vi"' in page.text and TEXTS["document"]["not_found_title"] in page.text
    odd = httpx.get(f"{live_server}/van-ban/%3Cscript%3E", timeout=30)
    assert odd.status_code == 404 and "<script>" not in odd.text


def test_a_superseded_decree_carries_its_banner(live_server: str) -> None:
    nd146 = next(d for d in _docs(live_server) if (d.get("number") or "").startswith("146/2018"))
    page = httpx.get(f"{live_server}{nd146['url']}", timeout=30).text
    assert 'class="banner"' in page and "188/2025/NĐ-CP" in page.split('class="banner"', 1)[1][:400]


def test_a_news_citation_marks_the_quoted_paragraph(live_server: str) -> None:
    reply = _ask(live_server, "Kế hoạch hành động của Bộ Y tế có mấy giai đoạn?")
    cite = next(c for c in reply["citations"] if not c.get("basis"))
    url = urlsplit(cite["url"])
    assert url.fragment == "trich"
    page = httpx.get(f"{live_server}{url.path}?{url.query}", timeout=30).text
    marked = re.search(r'<(p|h2) class="doan quoted" id="trich">(.*?)</\1>', page, re.S)
    assert marked is not None and "<mark>" in marked.group(2)


def test_the_quote_parameter_is_escaped(live_server: str) -> None:
    doc = _docs(live_server)[0]
    page = httpx.get(f"{live_server}{doc['url']}", params={"trich": "<script>alert(1)</script> Bộ Y tế"}, timeout=30)
    assert page.status_code == 200 and "<script>alert(1)" not in page.text


def test_render_escapes_every_text_and_links_an_indexed_replacement() -> None:
    outline = {"kind": "legal", "preamble": [], "tail": [], "articles": 1, "units": [
        {"id": "dieu-1", "kind": "article", "label": "Điều 1", "heading": "<img src=x onerror=alert(1)>",
         "text": "", "notes": [{"text": "<b>chú</b>", "by": "Luật <i>x</i>", "from": "2025-07-01"}], "children": [
             {"id": "dieu-1-khoan-1", "kind": "clause", "label": "1.", "heading": "", "text": "Nội dung <script>x</script>.",
              "notes": [], "children": []}]}]}
    doc = {"title": "<Luật>", "number": "1/2020/QH14", "status": "superseded", "replaced_by": "2/2024/QH15"}
    page = render(doc, outline, TEXTS["document"], status="Hết hiệu lực", site_title="T",
                  replacement_url="/van-ban/2-2024-qh15-abcdef", quote="Nội dung <script>x</script>.")
    assert "<img" not in page and "<script>" not in page and "<b>chú</b>" not in page and "<i>" not in page
    assert '<a href="/van-ban/2-2024-qh15-abcdef">2/2024/QH15</a>' in page
    assert "<mark>Nội dung &lt;script&gt;x&lt;/script&gt;.</mark>" in page
    assert "01/07/2025" in page


@pytest.mark.parametrize("refused", [False, True])
def test_chat_sources_link_their_page_and_hide_the_file_name(refused: bool) -> None:
    reply: dict[str, Any] = {"answer": "Theo khoản 5 Điều 23 [1].", "refused": refused, "citations": [
        {"n": 1, "source": "seeds/luat-bhyt.md", "title": "Luật Bảo hiểm y tế", "date": "2025-02-26", "quote": "q",
         "url": "/van-ban/luat-abc123?trich=q#dieu-23-khoan-5", "document": {}}]}
    shown = sources_html(reply, TEXTS)
    assert 'href="/van-ban/luat-abc123?trich=q#dieu-23-khoan-5"' in shown and "seeds/luat-bhyt.md" not in shown
    marker = answer_html(reply["answer"], {} if refused else {1: reply["citations"][0]["url"]})
    assert ('<a href="/van-ban/' in marker) is not refused


def test_the_widget_links_sources_and_stays_within_its_size_budget(live_server: str) -> None:
    from app.routes import compact_js
    from app.service import STATIC

    code = compact_js((STATIC / "widget.js").read_text(encoding="utf-8"))
    assert len(code.encode()) <= 12 * 1024  # the budget, before the Vietnamese texts are put in
    served = httpx.get(f"{live_server}/widget.js", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert served.status_code == 200 and 'target = "_blank"' in served.text and "base + url" in served.text
    assert int(served.headers.get("content-length", "0")) <= 12 * 1024  # as sent (gzip)
    new_function = code.replace("__HOIDAP_TEXTS__", "{}")
    assert new_function.count("{") == new_function.count("}")
