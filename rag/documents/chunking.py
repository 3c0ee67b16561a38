"""Sentence-aware chunking for Vietnamese, with section paths for legal texts.

Implemented as a LlamaIndex ``NodeParser`` so it plugs into the ingestion
pipeline; token counts come from tiktoken's offline cache.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, Document, TextNode

from rag.documents import legal_chunks, legal_structure, references

_ABBREV = ("TS", "ThS", "PGS", "GS", "BS", "TP", "Tp", "ThS.BS", "CN", "KS", "St", "Mr", "Dr", "vs", "v.v")
_SENT_SPLIT_RE = re.compile(
    r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“(\-–]?[A-ZĐÀ-ỸẠ-Ỵ0-9])"
)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_LINE_RE = re.compile(r"^\*\*(.+?)\*\*\s*:?$")
_ROMAN_RE = re.compile(r"^([IVXLC]+)\s*[.\-–]\s*(.+)$")
_ARABIC_RE = re.compile(r"^(\d+(?:\.\d+)*)\s*\.\s*(.+)$")
_APPENDIX_RE = re.compile(r"^PHỤ LỤC\s+[IVXLC\d]+\b", re.IGNORECASE)
_TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{2,}")
_PART_MAX = 80
_NUMBERING_RE = re.compile(r"^(?:\d{1,3}|[IVXLC]{1,6})\.$")


@lru_cache(maxsize=4)
def _encoding(name: str) -> Any:
    import tiktoken

    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(_encoding(encoding).encode(text, disallowed_special=()))


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph. An answer reads the same passages' sentences at several steps
    (candidates, the colon and basis rules, the support check): each paragraph is split once."""
    return list(_split_sentences(paragraph))


@lru_cache(maxsize=8192)
def _split_sentences(paragraph: str) -> tuple[str, ...]:
    parts = _SENT_SPLIT_RE.split(paragraph.strip())
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        # Re-join splits made after an abbreviation such as "TS." or "TP.", or after the bare
        # numbering that opens a khoản ("5. Thời gian …" is one sentence, not "5." and the rest).
        if out and (out[-1].rsplit(" ", 1)[-1].rstrip(".") in _ABBREV or _NUMBERING_RE.match(out[-1])):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return tuple(out)


def _unescape(text: str) -> str:
    text = re.sub(r"\\([.\-&*_#()\[\]])", r"\1", text)
    return re.sub(r"\*\*|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", text).strip()


def _part(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip(" *:"))
    return text if len(text) <= _PART_MAX else text[: _PART_MAX - 1].rsplit(" ", 1)[0] + "…"


@dataclass
class Block:
    section: tuple[str, ...]
    text: str


def _heading(line: str, structured: bool) -> tuple[int, str] | None:
    """Return (rank, label) when the line is a heading; smaller rank = higher level."""
    if m := _MD_HEADING_RE.match(line):
        return len(m.group(1)), _part(_unescape(m.group(2)))
    bold = _BOLD_LINE_RE.match(line)
    inner = _unescape(bold.group(1)) if bold else _unescape(line)
    if _APPENDIX_RE.match(inner) and len(inner) < 120:
        return 1, _part(inner.upper())
    if m := _ROMAN_RE.match(inner):
        if bold or (m.group(2).isupper() and len(inner) < 160):
            return 2, _part(f"{m.group(1)}. {m.group(2)}")
    if bold and (m := _ARABIC_RE.match(inner)):
        depth = m.group(1).count(".")
        return 3 + depth, _part(f"{m.group(1)}. {m.group(2)}")
    if bold and structured and len(inner) < 160:
        return 4, _part(inner)
    return None


def _cells(row: str) -> list[str]:
    return [_unescape(c.strip().strip("*").strip()) for c in row.strip().strip("|").split("|")]


def _table_rows(lines: list[str], header: list[str]) -> list[tuple[bool, str]]:
    """Markdown table → (is_section_row, text) per row, cells labelled by header."""
    out: list[tuple[bool, str]] = []
    for row in lines:
        if _TABLE_SEP_RE.match(row):
            continue
        vals = _cells(row)
        if not any(vals):
            continue
        first = vals[0]
        rest = [v for v in vals[1:] if v]
        if "**" in row and len(rest) <= 1:
            out.append((True, _part(" ".join(v for v in vals if v))))
            continue
        if not first and out and not out[-1][0]:
            # Continuation of the previous row split over two lines.
            out[-1] = (False, out[-1][1] + " " + " ".join(rest))
            continue
        labelled = [f"{h}: {v}" for h, v in zip(header[1:], vals[1:]) if v and h]
        lead = f"{first.rstrip('.')}. " if first else ""
        out.append((False, lead + "; ".join(labelled) + "."))
    return out


def blocks(text: str, structured: bool, skip_titles: Sequence[str] = ()) -> list[Block]:
    """Paragraphs with the section path they sit under."""
    stack: list[tuple[int, str]] = []
    out: list[Block] = []
    lines = text.splitlines()
    header: list[str] = []
    i = 0

    def path() -> tuple[str, ...]:
        return tuple(label for _, label in stack)

    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        if line.startswith("|") and structured:
            table = [line]
            while i < len(lines) and lines[i].strip().startswith("|"):
                table.append(lines[i].strip())
                i += 1
            if len(table) > 1 and _TABLE_SEP_RE.match(table[1]):
                header, table = _cells(table[0]), table[2:]
            # A table broken by blank lines keeps the header of its first part.
            for is_section, row in _table_rows(table, header):
                if is_section:
                    stack = [s for s in stack if s[0] < 6] + [(6, row)]
                else:
                    out.append(Block(path(), row))
            continue
        head = _heading(line, structured)
        if head is not None:
            rank, label = head
            if any(label.lower().startswith(t.lower()[:40]) for t in skip_titles if t):
                continue
            stack = [s for s in stack if s[0] < rank] + [(rank, label)]
            continue
        out.append(Block(path(), _unescape(line) if structured else line))
    return out


class VietnameseChunker(NodeParser):
    """Pack whole sentences into chunks of at most ``max_tokens`` tiktoken tokens,
    never across a section boundary, repeating ``overlap`` sentences."""

    max_tokens: int = 260
    legal_max_tokens: int = 240
    item_min_points: int = 2
    overlap: int = 1
    encoding: str = "cl100k_base"

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False,
                     **kwargs: Any) -> list[BaseNode]:
        out: list[BaseNode] = []
        for node in nodes:
            doc = node if isinstance(node, Document) else Document(text=node.get_content())
            meta = dict(doc.metadata)
            structured = bool(meta.get("structured"))
            title = meta.get("title", "")
            if meta.get("legal_structure"):
                pieces = self.legal_pieces(doc.text, structured, title)
            else:
                pieces = [legal_chunks.Piece(s, t) for s, t in self.chunk_text(doc.text, structured, title)]
            for idx, piece in enumerate(pieces):
                m = {k: v for k, v in meta.items() if k not in {"structured", "legal_structure"}}
                m.update(section=" › ".join(piece.section), chunk_index=idx, **piece.extra)
                out.append(TextNode(text=piece.text, metadata=m))
        return out

    def legal_pieces(self, text: str, structured: bool, title: str = "") -> list[legal_chunks.Piece]:
        """Preamble as text, then article by article, then the footnotes as notes, then any appendix."""
        doc = legal_structure.parse(text)
        count = lambda t: count_tokens(t, self.encoding)  # noqa: E731
        pieces = [legal_chunks.Piece(s, t, {"legal_kind": "preamble"})
                  for s, t in self.chunk_text(doc.preamble, structured, title)]
        articles = {a.number: a for a in doc.articles}
        units_of = lambda n: articles[n].units if n in articles else []  # noqa: E731
        for article in doc.articles:
            for piece in (legal_chunks.article_pieces(article, doc.footnotes, count, self.legal_max_tokens, self._split)
                          + legal_chunks.item_pieces(article, doc.footnotes, self.item_min_points)):
                specific, broad = references.chunk_subjects(piece.text, article.number, units_of)
                if specific:
                    piece.extra["subjects"] = specific
                if broad:
                    piece.extra["broad_subjects"] = broad
                pieces.append(piece)
        for number, lines in legal_chunks.note_lines(doc).items():
            found = articles.get(number)
            section = ((found.chapter, found.label) if found else ()) + ("ghi chú",)
            section = tuple(s for s in section if s)
            for body in self._pack(lines, self.legal_max_tokens):
                pieces.append(legal_chunks.Piece(section, body, {"article": number, "legal_kind": "note"}))
        pieces += [legal_chunks.Piece(s, t, {"legal_kind": "appendix"})
                   for s, t in self.chunk_text(doc.tail, structured, title) if len(t.split()) >= 20]
        return pieces

    def _split(self, text: str) -> list[str]:
        return self._pack(self._pieces(text.replace("\n", " ")), self.legal_max_tokens)

    def _pack(self, parts: list[str], cap: int) -> list[str]:
        out: list[str] = []
        current: list[str] = []
        size = 0
        for part in parts:
            for piece in self._pieces(part) if count_tokens(part, self.encoding) > cap else [part]:
                n = count_tokens(piece, self.encoding)
                if current and size + n > cap:
                    out.append("\n".join(current))
                    current, size = [], 0
                current.append(piece)
                size += n
        if current:
            out.append("\n".join(current))
        return out

    def chunk_text(self, text: str, structured: bool, title: str = "") -> list[tuple[tuple[str, ...], str]]:
        chunks: list[tuple[tuple[str, ...], str]] = []
        section: tuple[str, ...] | None = None
        current: list[tuple[str, bool]] = []  # (sentence, starts_paragraph)
        size = 0

        def flush(keep_overlap: bool) -> None:
            nonlocal current, size
            if current and section is not None:
                body = "".join(("\n" if new and k else " " if k else "") + s
                               for k, (s, new) in enumerate(current)).strip()
                chunks.append((section, body))
            tail = current[-self.overlap:] if keep_overlap and self.overlap else []
            current = [(s, True) for s, _ in tail]
            size = sum(count_tokens(s, self.encoding) for s, _ in current)

        for block in blocks(text, structured, [title]):
            if block.section != section:
                flush(False)
                section = block.section
            for k, sentence in enumerate(self._pieces(block.text)):
                n = count_tokens(sentence, self.encoding)
                if current and size + n > self.max_tokens:
                    flush(True)
                    if size + n > self.max_tokens:
                        current, size = [], 0
                current.append((sentence, k == 0))
                size += n
        flush(False)
        return chunks

    def _pieces(self, paragraph: str) -> list[str]:
        """Sentences, with any sentence longer than a chunk cut at clause boundaries."""
        out: list[str] = []
        for sentence in split_sentences(paragraph):
            if count_tokens(sentence, self.encoding) <= self.max_tokens:
                out.append(sentence)
                continue
            piece = ""
            for clause in re.split(r"(?<=[;,])\s+", sentence):
                cand = f"{piece} {clause}".strip()
                if piece and count_tokens(cand, self.encoding) > self.max_tokens:
                    out.append(piece)
                    piece = clause
                else:
                    piece = cand
            if piece:
                out.append(piece)
        return out
