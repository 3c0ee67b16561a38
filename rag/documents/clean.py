"""Strip web-page furniture from scraped articles before chunking.

Navigation blocks, runs of unrelated headlines and share widgets would
otherwise form chunks that match almost any question. A publisher's contact
details in the footer stay: they are legitimate answers.
"""

from __future__ import annotations

import re

from rag.text import lexicon
from rag.text.normalize import fold

DATE_LINE_RE = re.compile(
    r"^\s*(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|thứ\s+\w+|chủ nhật),?\s+)?"
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})(?:\s*\|?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm|sa|ch)?)?\s*$",
    re.IGNORECASE,
)
_NO_LETTERS_RE = re.compile(r"^[\W_]*$", re.UNICODE)
_CAPTION_TAIL_RE = re.compile(r"\s*[(\[]?\s*(?:Ảnh|Ảnh minh họa|Ảnh minh hoạ|Nguồn ảnh)\s*:?\s*[^.()]{0,40}[)\]]?\s*$")
_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_SENTENCE_END = (".", "!", "?", ":", ";", "…")
_CLOSERS = "\"”’')]» "
_LEGAL_HEADER_RE = re.compile(r"^(Số|So)\s*:|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", re.IGNORECASE)
_HEADLINE_MAX = 220
_RUN_MIN = 3


def is_date_line(line: str) -> bool:
    return bool(DATE_LINE_RE.match(line))


def is_contact(line: str) -> bool:
    """An address, phone, e-mail or hotline line: worth keeping even in page furniture."""
    low = fold(line)
    if re.search(r"\d{8,}|@", line.replace(" ", "")):
        return True
    # A cue counts only when it introduces a value ("Địa chỉ: ..."), not as a plain word.
    return any(re.search(rf"\b{re.escape(c)}\b[^:.]{{0,25}}:", low) for c in lexicon.phrases("contact_cues"))


def _is_widget(line: str) -> bool:
    if re.match(r"^\|[\s:|-]*-{3}", line):
        return False  # a Markdown table's header separator
    low = fold(line).strip(" :|")
    return low in lexicon.phrases("widgets") or bool(_NO_LETTERS_RE.match(line))


def _is_notice(line: str) -> bool:
    # "Ghi rõ nguồn: … khi phát hành lại thông tin" names the publisher in full, so it matched every
    # question about it ("Trụ sở chính của CDC Hà Nội ở đâu?") better than the address line beside it.
    low = fold(line).strip(" :|-").lower()
    return any(low.startswith(p) for p in lexicon.phrases("notices"))


def _is_nav_marker(line: str) -> bool:
    return fold(line).strip(" :|") in lexicon.phrases("nav_markers")


def _is_structural(line: str) -> bool:
    # Markdown headings, list items, tables and legal numbering are document
    # structure, never a run of foreign headlines.
    return bool(re.match(r"^(#|\*\*|[-+*•|]\s|\d+[.)\\]|[IVXLC]+[.\-–]\s|Điều\s+\d)", line))


def _is_headline(line: str) -> bool:
    return (len(line) <= _HEADLINE_MAX and not line.rstrip(_CLOSERS).endswith(_SENTENCE_END)
            and not is_contact(line) and not _is_structural(line)
            and not is_date_line(line) and not _LEGAL_HEADER_RE.search(line))


def _clean_line(line: str) -> str:
    line = _MD_IMAGE_RE.sub("", line).strip()
    if not line.startswith("|"):
        line = re.sub(r"[ \t]{2,}", " ", line)  # scraped footers pad columns with runs of spaces
    if line.startswith("|") and line.endswith("|") and line.count("|") == 2:
        # A one-cell table row is how scrapers render a photo caption box.
        line = line.strip("| ").strip()
        line = _CAPTION_TAIL_RE.sub("", line)
        return line if line.endswith(".") else ""
    return line


def clean_text(text: str, structured: bool = False) -> str:
    """Return the article text with boilerplate lines removed (paragraphs kept).

    ``structured`` texts (Markdown) mark their own headings, so short lines in a
    row are structure there, not a list of foreign headlines.
    """
    raw = [ln.replace("\u00a0", " ").rstrip() for ln in text.splitlines()]
    lines = [_clean_line(ln) for ln in raw]
    keep = [bool(ln) for ln in lines]
    _drop_nav_blocks(lines, keep)
    if not structured:
        _drop_headline_runs(lines, keep)
    for i, ln in enumerate(lines):
        if keep[i] and (_is_widget(ln) or _is_notice(ln)):
            keep[i] = False
    out: list[str] = []
    for i, ln in enumerate(lines):
        if keep[i]:
            out.append(ln)
        elif out and out[-1] != "":
            out.append("")
    return "\n".join(out).strip()


def _drop_nav_blocks(lines: list[str], keep: list[bool]) -> None:
    i = 0
    while i < len(lines):
        if keep[i] and _is_nav_marker(lines[i]):
            keep[i] = False
            j = i + 1
            while j < len(lines):
                ln = lines[j]
                if not ln:
                    j += 1
                    continue
                if is_contact(ln) or not (_is_headline(ln) or is_date_line(ln)):
                    break
                keep[j] = False
                j += 1
            i = j
        else:
            i += 1


def _drop_headline_runs(lines: list[str], keep: list[bool]) -> None:
    run: list[int] = []
    headlines = 0

    def flush() -> None:
        nonlocal run, headlines
        if headlines >= _RUN_MIN:
            for k in run:
                keep[k] = False
        run, headlines = [], 0

    for i, ln in enumerate(lines):
        if not keep[i] or not ln:
            continue
        if _is_widget(ln):
            flush()
        elif is_date_line(ln):
            run.append(i)
        elif _is_headline(ln):
            run.append(i)
            headlines += 1
        else:
            flush()
    flush()
