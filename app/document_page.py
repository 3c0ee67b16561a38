"""The document page (/van-ban/{id}): a cited document rendered from its stored outline.

Every text from a document is escaped before it is placed in the page. The cited unit is highlighted
by CSS ``:target`` (the browser scrolls it into view; no script is needed) and the quoted sentences,
passed as ``?trich=``, are wrapped in <mark>.
"""

from __future__ import annotations

import html
import re
from typing import Any

from rag.documents.outline import walk

_MIN_MARK = 12
_SPLIT_RE = re.compile(r"\s+…\s+|\n+|(?<=[.;:!?])\s+(?=[A-ZĐÀ-Ỹ0-9a-zđ(])")


def display_date(value: str | None) -> str:
    """'2025-02-26' → '26/02/2025' (other forms as they are)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else (value or "")


def quote_pieces(quote: str) -> list[str]:
    """The quoted sentences to mark: the quote split at '…', lines and sentence ends, shortest kept out."""
    pieces = [re.sub(r"\s+", " ", p).strip(" “”\"") for p in _SPLIT_RE.split(quote or "")]
    # The page shows a khoản's number ('5.') or a điểm's letter ('a)') apart from its text.
    pieces = [re.sub(r"^(?:\d{1,2}\.|[a-zđ]\d?\))\s+", "", p) for p in pieces]
    return sorted({p for p in pieces if len(p) >= _MIN_MARK}, key=len, reverse=True)


class Marker:
    """Marks the quoted sentences in escaped texts; the first paragraph marked can take the anchor 'trich'."""

    def __init__(self, quote: str) -> None:
        self.pieces = [html.escape(p, quote=False) for p in quote_pieces(quote)]
        self.found = False

    def __call__(self, text: str) -> tuple[str, bool]:
        safe = html.escape(re.sub(r"[ \t]+", " ", text), quote=False)
        marked: list[str] = []
        for piece in self.pieces:
            # Longest first: a shorter piece inside one already marked is not marked again.
            if piece in safe and not any(piece in m for m in marked):
                safe = safe.replace(piece, f"<mark>{piece}</mark>", 1)
                marked.append(piece)
        hit = bool(marked)
        self.found = self.found or hit
        return safe, hit


def _notes(notes: list[dict[str, str]], t: dict[str, Any]) -> str:
    out = []
    for note in notes:
        lead = []
        if note.get("by"):
            lead.append(html.escape(t["note_by"]).format(by=html.escape(note["by"])))
        if note.get("from"):
            lead.append(html.escape(t["note_from"]).format(date=html.escape(display_date(note["from"]))))
        head = f'<b>{html.escape(t["note"])}</b>' + (f": {', '.join(lead)}." if lead else ":")
        out.append(f'<aside class="note" aria-label="{html.escape(t["note"], quote=True)}"><p>{head}</p>'
                   f'<p class="note-text">{html.escape(note.get("text", ""))}</p></aside>')
    return "".join(out)


def _text_lines(text: str, mark: Marker) -> tuple[str, bool]:
    parts, any_hit = [], False
    for line in text.split("\n"):
        safe, hit = mark(line)
        parts.append(safe)
        any_hit = any_hit or hit
    return "<br>".join(parts), any_hit


def _unit(u: dict[str, Any], mark: Marker, t: dict[str, Any]) -> str:
    kind = u["kind"]
    body, hit = _text_lines(u.get("text") or "", mark)
    kids = "".join(_unit(c, mark, t) for c in u.get("children") or [])
    notes = _notes(u.get("notes") or [], t)
    uid = f' id="{html.escape(u["id"], quote=True)}"' if u.get("id") else ""
    cls = " quoted" if hit else ""
    if kind == "chapter":
        return (f'<section class="chuong"{uid}><h2>{html.escape(u["label"])}'
                f'{"<br><span>" + html.escape(u["heading"]) + "</span>" if u.get("heading") else ""}</h2>{kids}</section>')
    if kind == "section":
        return (f'<section class="muc"{uid}><h3>{html.escape(u["label"])}'
                f'{". " + html.escape(u["heading"]) if u.get("heading") else ""}</h3>{kids}</section>')
    if kind == "article":
        heading = f'{html.escape(u["label"])}.' + (f' {html.escape(u["heading"])}' if u.get("heading") else "")
        return f'<section class="dieu"{uid}><h3>{heading}</h3>{notes}{kids}</section>'
    if kind in {"clause", "point"}:
        css = "khoan" if kind == "clause" else "diem"
        return (f'<div class="{css}{cls}"{uid}><p><span class="num">{html.escape(u["label"])}</span> '
                f"{body}</p>{notes}{kids}</div>")
    if kind == "heading":
        return f'<h2 class="doan-h{cls}"{uid}>{body}</h2>'
    return f'<p class="doan{cls}"{uid}>{body}</p>{notes}'


def _paragraphs(units: list[dict[str, Any]], mark: Marker, t: dict[str, Any]) -> str:
    """Plain paragraphs; the first one holding the quote takes the anchor 'trich' (a news citation's link)."""
    out = []
    for u in units:
        before = mark.found
        piece = _unit(u, mark, t)
        if mark.found and not before and u.get("id"):
            piece = piece.replace(f'id="{u["id"]}"', 'id="trich"', 1)
        out.append(piece)
    return "".join(out)


def _toc(units: list[dict[str, Any]], t: dict[str, Any]) -> str:
    items = []
    for u in walk(units):
        if u["kind"] == "article":
            label = f'{u["label"]}.' + (f' {u["heading"]}' if u.get("heading") else "")
            items.append(f'<li><a href="#{html.escape(u["id"], quote=True)}">{html.escape(label)}</a></li>')
        elif u["kind"] == "chapter":
            items.append(f'<li class="toc-ch">{html.escape(u["label"])}</li>')
    if not items:
        return ""
    return (f'<nav class="toc" aria-labelledby="toc-h"><details open><summary id="toc-h">{html.escape(t["toc"])}'
            f"</summary><ol>{''.join(items)}</ol></details></nav>")


def _attributes(doc: dict[str, Any], t: dict[str, Any], status: str) -> str:
    rows = []
    pairs = [("number", doc.get("number")), ("type", doc.get("type")), ("issuer", doc.get("issuer")),
             ("issued", display_date(doc.get("issued"))), ("effective", display_date(doc.get("effective"))),
             ("effective_until", display_date(doc.get("effective_until")))]
    if not doc.get("number") and not doc.get("type"):
        pairs = [("date", display_date(doc.get("date"))), ("publisher", doc.get("publisher"))]
    for key, value in pairs:
        if value:
            rows.append(f"<dt>{html.escape(t[key])}</dt><dd>{html.escape(str(value))}</dd>")
    if status:
        css = "ok" if doc.get("status") in {"in_force", "partly_amended"} else "old"
        rows.append(f'<dt>{html.escape(t["status"])}</dt><dd class="status {css}">{html.escape(status)}</dd>')
    if doc.get("amended_by"):
        rows.append(f'<dt>{html.escape(t["amended_by"])}</dt><dd>{html.escape(", ".join(doc["amended_by"]))}</dd>')
    if not rows:
        return ""
    return f'<dl class="attrs" aria-label="{html.escape(t["attributes"], quote=True)}">{"".join(rows)}</dl>'


def _banner(doc: dict[str, Any], t: dict[str, Any], replacement_url: str | None) -> str:
    state = doc.get("status")
    if state == "superseded" and doc.get("replaced_by"):
        name = html.escape(doc["replaced_by"])
        link = f'<a href="{html.escape(replacement_url, quote=True)}">{name}</a>' if replacement_url else name
        text = html.escape(t["superseded"]).format(replacement=link)
    elif state in {"superseded", "expired"}:
        text = html.escape(t["expired"])
    elif state == "not_yet_in_force":
        text = html.escape(t["not_yet_in_force"])
    else:
        return ""
    return f'<div class="banner" role="note">{text}</div>'


def render(doc: dict[str, Any], outline: dict[str, Any], texts: dict[str, Any], *, status: str, site_title: str,
           quote: str = "", replacement_url: str | None = None) -> str:
    """The whole page. ``doc``: the document's attributes (title, number, …, status code); ``status``: its
    validity in words; ``texts``: ui.toml's [document] texts."""
    t = texts
    mark = Marker(quote)
    title = doc.get("title") or doc.get("number") or ""
    legal = outline.get("kind") == "legal"
    body = ""
    if legal:
        body += _paragraphs(outline.get("preamble") or [], mark, t)
        body += "".join(_unit(u, mark, t) for u in outline.get("units") or [])
        body += _paragraphs(outline.get("tail") or [], mark, t)
    else:
        if outline.get("unreadable"):
            body += f'<p class="unreadable" role="note">{html.escape(t["unreadable"])}</p>'
        body += _paragraphs(outline.get("units") or [], mark, t)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — {html.escape(site_title)}</title>"
        '<link rel="stylesheet" href="/van-ban.css"></head><body>'
        f'<a class="skip" href="#noi-dung">{html.escape(t["skip"])}</a>'
        f'<header class="top"><a href="/">{html.escape(t["back"])}</a></header>'
        f'<main id="noi-dung" tabindex="-1"><article class="doc {"legal" if legal else "news"}">'
        f"<h1>{html.escape(title)}</h1>{_banner(doc, t, replacement_url)}{_attributes(doc, t, status)}"
        f"{_toc(outline.get('units') or [], t) if legal else ''}<div class=\"body\">{body}</div>"
        "</article></main></body></html>")


def not_found_page(texts: dict[str, Any], site_title: str) -> str:
    t = texts
    return ('<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(t['not_found_title'])} — {html.escape(site_title)}</title>"
            '<link rel="stylesheet" href="/van-ban.css"></head><body>'
            f'<header class="top"><a href="/">{html.escape(t["back"])}</a></header>'
            f'<main id="noi-dung"><article class="doc"><h1>{html.escape(t["not_found_title"])}</h1>'
            f"<p>{html.escape(t['not_found'])}</p></article></main></body></html>")


def structure_json(outline: dict[str, Any]) -> list[dict[str, Any]]:
    """The structure tree for the API: units with id, kind, label, heading, text, notes and children."""
    def unit(u: dict[str, Any]) -> dict[str, Any]:
        return {"id": u.get("id"), "kind": u["kind"], "label": u.get("label") or "", "heading": u.get("heading") or "",
                "text": u.get("text") or "", "notes": u.get("notes") or [],
                "children": [unit(c) for c in u.get("children") or []]}

    return [unit(u) for u in [*(outline.get("preamble") or []), *(outline.get("units") or []),
                              *(outline.get("tail") or [])]]
