"""A document's outline: what its page shows, read once at ingest and stored with the index.

A legal text becomes a tree (Chương › Mục › Điều › khoản › điểm) whose units carry stable anchors
(``dieu-23``, ``dieu-23-khoan-5``, ``dieu-23-khoan-5-diem-a``) and the amendment notes read from its
footnotes; any other text becomes its headings and paragraphs. The page is rendered from this, never by
parsing the file again, and a citation's deep link is the anchor of the provision it quotes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rag.documents.legal_chunks import amendment
from rag.documents.legal_structure import Article, LegalDoc, Unit, parse
from rag.text.normalize import fold

OUTLINE_VERSION = 1
PAGE_PREFIX = "/van-ban/"
# A page id: readable (the số hiệu or the title) and stable (a short hash of the file it came from).
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_HEADING_RE = re.compile(r"^#{1,6}\s+(.*)$")
_QUOTE_CAP = 300
# Kinds of document always written in articles: one with no Điều found was not read right (a scan, a
# layout the parser does not know). Resolutions and plans may have none.
ARTICLE_TYPES = ("Luật", "Bộ luật", "Pháp lệnh", "Nghị định", "Thông tư", "Văn bản hợp nhất")


def _slug(text: str, limit: int = 48) -> str:
    slug = _SLUG_RE.sub("-", fold(text).lower().replace("đ", "d")).strip("-")
    return slug[:limit].rstrip("-")


def page_id(source: str, number: str = "", title: str = "") -> str:
    """'146-2018-nd-cp-1a2b3c': the document's số hiệu (else its title) and a hash of its source name."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:6]
    words = " ".join((title or "").split()[:8])
    stem = _slug(number) or _slug(words) or "van-ban"
    return f"{stem}-{digest}"


def _part(value: str) -> str:
    # "đ" is its own điểm after "d": written "dd" so anchors stay plain ASCII.
    return value.lower().replace("đ", "dd")


def anchor(article: str, clause: str | None = None, point: str | None = None) -> str:
    """'dieu-23-khoan-5-diem-a' for điểm a khoản 5 Điều 23 (clause or point may be absent)."""
    out = f"dieu-{_part(article)}"
    if clause:
        out += f"-khoan-{clause}"
    if point:
        out += f"-diem-{_part(point)}"
    return out


def basis_anchor(basis: str, article: str = "") -> str:
    """The anchor a citation opens: the one provision its basis names ('điểm a khoản 5 Điều 23'), else
    the article ('khoản 1, 2 và 3 Điều 18'), else "" (not a provision)."""
    from rag.documents.citations import stated_refs

    refs = stated_refs(basis) if basis else []
    if len(refs) == 1 and "–" not in basis:
        point, clause, number = refs[0]
        return anchor(number, clause, point)
    if refs:
        return anchor(refs[0][2])
    return anchor(article) if article else ""


def page_url(doc_id: str, fragment: str = "", quote: str = "") -> str:
    """The document page, opened at a unit (``fragment``) with the quoted words marked (``trich``)."""
    from urllib.parse import quote as encode

    url = PAGE_PREFIX + doc_id
    if quote:
        cut = quote if len(quote) <= _QUOTE_CAP else _whole_sentences(quote[:_QUOTE_CAP])
        url += "?trich=" + encode(cut, safe="")
    return url + (f"#{fragment}" if fragment else "")


def _whole_sentences(text: str) -> str:
    """A cut quote ends at its last sentence or line end, so the page marks whole sentences only."""
    for sep in ("\n", " … ", ". ", "; "):
        end = text.rfind(sep)
        if end > len(text) // 3:
            return text[:end + 1].strip(" …")
    return text.rsplit(" ", 1)[0]


def _notes(article: Article, where: tuple[str | None, str | None], footnotes: dict[int, str]) -> list[dict[str, str]]:
    out = []
    for n, place in sorted(article.markers.items()):
        if place == where and footnotes.get(n):
            text = re.sub(r"\s*\n\s*", " ", footnotes[n]).strip()
            by, since = amendment(text)
            out.append({"text": text, "by": by, "from": since})
    return out


def _node(kind: str, node_id: str | None, label: str = "", heading: str = "", text: str = "",
          notes: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "label": label, "heading": heading, "text": text,
            "notes": notes or [], "children": []}


def _article(article: Article, footnotes: dict[int, str], taken: set[str]) -> dict[str, Any]:
    aid = _unique(anchor(article.number), taken)
    node = _node("article", aid, f"Điều {article.number}", article.heading,
                 notes=_notes(article, (None, None), footnotes)
                 + [{"text": n, **dict(zip(("by", "from"), amendment(n), strict=True))} for n in article.notes])
    clause: dict[str, Any] | None = None
    for unit in article.units:
        parent = clause if unit.point is not None and clause is not None and clause["clause"] == unit.clause else node
        child = _unit(article, unit, footnotes, taken, aid)
        parent["children"].append(child)
        if unit.point is None and unit.clause is not None:
            clause = child
    return node


def _unit(article: Article, unit: Unit, footnotes: dict[int, str], taken: set[str], aid: str) -> dict[str, Any]:
    notes = _notes(article, (unit.clause, unit.point), footnotes)
    if unit.clause is None and unit.point is None:
        child = _node("text", None, text=unit.text, notes=notes)
    elif unit.point is None:
        child = _node("clause", _unique(anchor(article.number, unit.clause), taken), f"{unit.clause}.",
                      text=_after(unit.text, rf"{unit.clause}\."), notes=notes)
    else:
        child = _node("point", _unique(anchor(article.number, unit.clause, unit.point), taken), f"{unit.point})",
                      text=_after(unit.text, rf"{re.escape(unit.point)}\)"), notes=notes)
    child["clause"] = unit.clause
    return child


def _after(text: str, label: str) -> str:
    """A khoản's or điểm's text without its own number ('5. ' or 'a) '), which the page shows apart."""
    return re.sub(rf"^{label}\s*", "", text, count=1)


def _unique(node_id: str, taken: set[str]) -> str:
    # An article number printed twice (a consolidated text quoting an amendment) must not share an anchor.
    out, n = node_id, 2
    while out in taken:
        out, n = f"{node_id}-{n}", n + 1
    taken.add(out)
    return out


def _legal(doc: LegalDoc) -> list[dict[str, Any]]:
    taken: set[str] = set()
    top: list[dict[str, Any]] = []
    chapter: dict[str, Any] | None = None
    section: dict[str, Any] | None = None
    seen_chapter = seen_section = ""
    for article in doc.articles:
        if article.chapter and article.chapter != seen_chapter:
            label, _, heading = article.chapter.partition(". ")
            chapter = _node("chapter", _unique("chuong-" + _slug(label.split()[-1]), taken), label, heading)
            top.append(chapter)
            seen_chapter, section, seen_section = article.chapter, None, ""
        if article.section and article.section != seen_section:
            label, _, heading = article.section.partition(". ")
            prefix = f"{chapter['id']}-" if chapter else ""
            section = _node("section", _unique(f"{prefix}muc-{_slug(label.split()[-1])}", taken), label, heading)
            (chapter["children"] if chapter else top).append(section)
            seen_section = article.section
        parent = section if article.section else chapter if article.chapter else None
        (parent["children"] if parent else top).append(_article(article, doc.footnotes, taken))
    return top


def _paragraphs(text: str, start: int = 1) -> list[dict[str, Any]]:
    out = []
    n = start
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if m := _HEADING_RE.match(line):
            out.append(_node("heading", f"doan-{n}", text=m.group(1).strip()))
        else:
            out.append(_node("paragraph", f"doan-{n}", text=line))
        n += 1
    return out


def build(text: str, doc_type: str = "") -> dict[str, Any]:
    """The outline of a cleaned text. ``doc_type``: the kind its metadata names; a law, decree or circular
    with no Điều found is marked unreadable (the admin console flags it)."""
    doc = parse(text)
    if len(doc.articles) >= 2:
        units = _legal(doc)
        preamble = _paragraphs(doc.preamble)
        tail = _paragraphs(doc.tail, start=len(preamble) + 1)
        return {"v": OUTLINE_VERSION, "kind": "legal", "preamble": preamble, "units": units, "tail": tail,
                "articles": len(doc.articles), "unreadable": False}
    return {"v": OUTLINE_VERSION, "kind": "text", "preamble": [], "units": _paragraphs(text), "tail": [],
            "articles": 0, "unreadable": doc_type.startswith(ARTICLE_TYPES)}


def walk(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every unit of a tree, in reading order."""
    out: list[dict[str, Any]] = []
    for u in units:
        out.append(u)
        out += walk(u.get("children") or [])
    return out
