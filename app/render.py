"""HTML for answers and sources. Everything from documents or users is escaped first."""

from __future__ import annotations

import html
import re
from typing import Any

_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


def answer_html(answer: str, links: dict[int, str] | None = None) -> str:
    """Escape the answer, then show citation markers as superscripts; a marker whose source has a page
    links to the quoted provision (new tab: the conversation stays open)."""
    safe = html.escape(answer)
    links = links or {}

    def marker(m: re.Match[str]) -> str:
        url = links.get(int(m.group(1)))
        if not url:
            return f'<sup class="cite">[{m.group(1)}]</sup>'
        return (f'<sup class="cite"><a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">'
                f"[{m.group(1)}]</a></sup>")

    return _MARKER_RE.sub(marker, safe).replace("\n", "<br>")


def citation_links(reply: dict[str, Any]) -> dict[int, str]:
    if reply.get("refused"):
        return {}
    return {int(c["n"]): c["url"] for c in reply.get("citations") or [] if c.get("url")}


def reply_html(reply: dict[str, Any], texts: dict[str, Any]) -> str:
    """A final answer as the chat shows it: emergencies stand out with a call button; an answer
    carries its sources right under it (folded; on a phone the sources column is far below)."""
    if reply.get("reason") == "emergency":
        body = html.escape(reply["answer"]).replace("115", '<a href="tel:115">115</a>').replace("\n", "<br>")
        return (f'<div class="emergency" role="alert"><span class="em-title">{html.escape(texts["emergency_label"])}'
                f'</span>{body}<br><a class="em-call" href="tel:115">{html.escape(texts["emergency_call"])}</a></div>')
    out = answer_html(reply["answer"], citation_links(reply))
    citations = reply.get("citations") or []
    if citations and not reply.get("refused"):
        out += (f'<details class="msg-sources"><summary>{html.escape(texts["see_sources"])} ({len(citations)})</summary>'
                f"{sources_html(reply, texts)}</details>")
    return out


def sources_html(reply: dict[str, Any], texts: dict[str, Any]) -> str:
    citations = reply.get("citations") or []
    if not citations:
        return f'<div class="sources empty">{html.escape(texts["no_sources"])}</div>'
    items = []
    for c in citations:
        doc = c.get("document") or {}
        meta = [html.escape(c.get("date") or texts["no_date"])]
        if doc.get("number"):
            meta.insert(0, f'{html.escape(texts["status"]["number"])}: {html.escape(doc["number"])}')
        if c.get("section"):
            meta.append(f'{html.escape(texts["section_label"])}: {html.escape(c["section"])}')
        if doc.get("status"):
            meta.append(status_html(doc, texts))
        # The internal file name is not shown to citizens: the title opens the document at the provision.
        title = html.escape(c.get("title") or doc.get("number") or texts["no_title"])
        if c.get("url"):
            title = (f'<a href="{html.escape(c["url"], quote=True)}" target="_blank" rel="noopener" '
                     f'title="{html.escape(texts["open_source"], quote=True)}">{title}</a>')
        items.append(
            f'<li><div class="src-title"><b>[{int(c["n"])}]</b> {title}</div>'
            f'<div class="src-meta">{" · ".join(meta)}</div>'
            f'<blockquote>{html.escape(c.get("quote") or "")}</blockquote></li>')
    return f'<div class="sources"><ol>{"".join(items)}</ol></div>'


def status_text(doc: dict[str, Any], texts: dict[str, Any]) -> str:
    """'Hết hiệu lực, đã được thay thế (Văn bản thay thế: 188/2025/NĐ-CP)' from a document's validity."""
    labels = texts.get("status", {})
    text = str(labels.get(doc.get("status"), doc.get("status") or ""))
    if doc.get("replaced_by"):
        text += f" ({labels.get('replaced_by', '')}: {doc['replaced_by']})"
    return text


def status_html(doc: dict[str, Any], texts: dict[str, Any]) -> str:
    css = "ok" if doc.get("status") in {"in_force", "partly_amended"} else "old"
    return f'<span class="status {css}">{html.escape(status_text(doc, texts))}</span>'


def documents_markdown(docs: list[dict[str, Any]], texts: dict[str, Any]) -> str:
    lines = []
    for d in docs:
        date = d.get("date") or texts["no_date"]
        title = html.escape(d.get("title") or d.get("number") or texts["no_title"]).replace("*", "\\*")
        if d.get("url"):
            label = title.replace("[", "\\[").replace("]", "\\]")
            title = f"[{label}]({d['url']})"
        extra = []
        if d.get("number") and d["number"] not in (d.get("title") or ""):
            extra.append(html.escape(d["number"]))
        if d.get("status"):
            extra.append(html.escape(status_text(d, texts)))
        lines.append(f"- {title} — *{html.escape(date)}*" + (f" — {' · '.join(extra)}" if extra else ""))
    return "\n".join(lines)
