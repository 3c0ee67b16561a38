"""HTML for answers and sources. Everything from documents or users is escaped first."""

from __future__ import annotations

import html
import re
from typing import Any

_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


def answer_html(answer: str) -> str:
    """Escape the answer, then show citation markers as visible superscripts."""
    safe = html.escape(answer)
    return _MARKER_RE.sub(r'<sup class="cite">[\1]</sup>', safe).replace("\n", "<br>")


def sources_html(reply: dict[str, Any], texts: dict[str, Any]) -> str:
    citations = reply.get("citations") or []
    if not citations:
        return f'<div class="sources empty">{html.escape(texts["no_sources"])}</div>'
    items = []
    for c in citations:
        meta = [html.escape(c.get("date") or texts["no_date"])]
        if c.get("section"):
            meta.append(f'{html.escape(texts["section_label"])}: {html.escape(c["section"])}')
        items.append(
            f'<li><div class="src-title"><b>[{int(c["n"])}]</b> {html.escape(c.get("title") or c["source"])}</div>'
            f'<div class="src-meta">{" · ".join(meta)} · <code>{html.escape(c["source"])}</code></div>'
            f'<blockquote>{html.escape(c.get("quote") or "")}</blockquote></li>')
    return f'<div class="sources"><ol>{"".join(items)}</ol></div>'


def documents_markdown(docs: list[dict[str, Any]], texts: dict[str, Any]) -> str:
    lines = []
    for d in docs:
        date = d.get("date") or texts["no_date"]
        title = html.escape(d.get("title") or d["source"]).replace("*", "\\*")
        lines.append(f"- {title} — *{html.escape(date)}*")
    return "\n".join(lines)
