"""What a legal document says about itself: number, type, issuer, dates, what it amends or replaces.

Read from the header and the final articles; an operator's sidecar file
(``<file>.meta.toml``) overrides any of it, because a document rarely says that
a later one replaced it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.documents.metadata import parse_date
from rag.text import lexicon
from rag.text.normalize import fold

Status = Literal["in_force", "partly_amended", "superseded", "not_yet_in_force", "expired"]
STATUSES: tuple[str, ...] = ("in_force", "partly_amended", "superseded", "not_yet_in_force", "expired")

NUMBER_RE = re.compile(r"\b\d{1,4}(?:/\d{4})?(?:/|-)[A-ZĐ][A-ZĐa-z0-9]*(?:[-/][A-ZĐ][A-ZĐa-z0-9]*)*")
_SO_RE = re.compile(r"^\s*(?:\*\*)?Số\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_TYPED_NUMBER_RE = re.compile(
    r"\b(Luật|Nghị định|Thông tư(?: liên tịch)?|Quyết định|Nghị quyết|Chỉ thị|Công văn|Kế hoạch)"
    r"(?:\s+[\wÀ-ỹ ]{0,60}?)?\s+số\s*:?\s*(\d{1,4}(?:/\d{4})?[-/][\w/-]+)", re.IGNORECASE)
_TYPE_LINE_RE = re.compile(
    r"^(?:#+\s*)?(?:\*\*)?(LUẬT|NGHỊ ĐỊNH|THÔNG TƯ(?: LIÊN TỊCH)?|QUYẾT ĐỊNH|NGHỊ QUYẾT|CHỈ THỊ|CÔNG VĂN|KẾ HOẠCH)(?:\*\*)?\s*$")
_VN_DATE = r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
_PLACE_DATE_RE = re.compile(r"^[^\n,]{2,40},\s*(" + _VN_DATE + r")\s*$", re.IGNORECASE | re.MULTILINE)
_TITLE_DATE_RE = re.compile(r"ngày\s+(\d{1,2}/\d{1,2}/\d{4})|(" + _VN_DATE + ")", re.IGNORECASE)
_SELF_EFFECTIVE_RE = re.compile(
    r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Chỉ thị|Văn bản) này có hiệu lực(?: thi hành)?\s+"
    r"(?:kể\s+)?(?:từ\s+)?(ngày ký|ngày\s+\d{1,2}(?:/\d{1,2}/\d{4}|\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))", re.IGNORECASE)
_ANY_EFFECTIVE_RE = re.compile(
    r"có hiệu lực(?: thi hành)? (?:kể )?từ (ngày\s+\d{1,2}(?:/\d{1,2}/\d{4}|\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))")
_AMENDED_LIST_RE = re.compile(r"(?:được\s+)?sửa đổi,?\s+bổ sung bởi\s*:?(.{0,2500}?)(?:\n\s*Căn cứ|\n\s*\n|$)", re.DOTALL)
_AMENDED_BY_RE = re.compile(r"(?:sửa đổi|cập nhật sửa đổi)(?:,\s*bổ sung)?\s+bởi\s+(?:các\s+)?(?:văn bản\s+)?:?\s*(.{0,300})")
_REPLACES_RE = re.compile(r"này thay thế\s+(.{0,200})", re.IGNORECASE)
_REPLACED_BY_RE = re.compile(r"(?:được|bị|đã được|đã bị)\s+thay thế bởi\s+(.{0,120})", re.IGNORECASE)
_ISSUER_OF_RE = re.compile(
    r"\bcủa\s+(Chính phủ|Quốc hội|Thủ tướng Chính phủ|Bộ Chính trị|Ban Bí thư|Ủy ban Thường vụ Quốc hội|"
    r"Bộ\s+[A-ZĐ][\wÀ-ỹ]*(?:\s+(?:[A-ZĐ][\wÀ-ỹ]*|và|-))*|Ủy ban nhân dân\s+[\wÀ-ỹ ]{2,40}?)(?=[\s,.;]|$)")
_HEADER_AGENCY_RE = re.compile(r"^(?:#+\s*)?(?:\*\*)?([A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ ,\-]{2,80}?)(?:\*\*)?\s*(?:CỘNG HÒA|CỘNG HOÀ|$)")


@cache
def _kinds() -> dict[str, str]:
    return {fold(k): v for k, v in lexicon.table("doc_kinds")}


def kind_name(word: str) -> str | None:
    """'NĐ', 'nghi dinh', 'Nghị định' → 'Nghị định'."""
    return _kinds().get(fold(word).strip())


def type_from_number(number: str) -> str | None:
    """The type a document number implies: 146/2018/NĐ-CP → Nghị định, 22/VBHN-VPQH → Văn bản hợp nhất."""
    parts = re.split(r"[-/]", number)
    for part in parts[1:]:
        if re.fullmatch(r"\d+", part):
            continue
        kind = kind_name(part)
        if kind:
            return kind
        if part.upper().startswith("QH"):
            return "Luật"
    return None


def leading_number(number: str) -> str:
    m = re.match(r"\s*0*(\d+)", number)
    return m.group(1) if m else ""


def _cap(text: str) -> str:
    text = text.strip(" .:*#")
    return text[:1].upper() + text[1:].lower() if text.isupper() else text


@dataclass
class LegalInfo:
    number: str = ""
    doc_type: str = ""
    issuer: str = ""
    issued: str = ""
    effective: str = ""
    effective_until: str = ""
    status: str = ""
    replaced_by: str = ""
    replaces: list[str] = field(default_factory=list)
    amended_by: list[str] = field(default_factory=list)
    consolidated: bool = False
    base_number: str = ""  # a consolidated text's original document
    subject: str = ""  # "Bảo hiểm y tế" for a law; the "quy định …" line for a decree
    title: str = ""  # from a sidecar only: replaces the title read from the text

    def as_metadata(self) -> dict[str, str]:
        """Flat strings for chunk and document metadata (Chroma accepts scalars only)."""
        out = {k: v for k, v in asdict(self).items() if isinstance(v, str)}
        out["replaces"] = ", ".join(self.replaces)
        out["amended_by"] = ", ".join(self.amended_by)
        out["consolidated"] = "1" if self.consolidated else ""
        out["doc_number"] = out.pop("number")
        out.pop("title")
        return out


def _numbers(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0).rstrip(".,;") for m in NUMBER_RE.finditer(text)
                              if re.search(r"[A-ZĐ]", m.group(0))))


def read(text: str, title_hint: str = "") -> LegalInfo:
    """Metadata of a legal text from its own words (header, title line, final articles)."""
    head = text[:4000]
    info = LegalInfo()
    if m := _SO_RE.search(head):
        info.number = m.group(1).strip(" .;*")
    typed = _TYPED_NUMBER_RE.search(title_hint) or _TYPED_NUMBER_RE.search(head)
    if not info.number and typed:
        info.number = typed.group(2).rstrip(".,;)")
    type_line = next((m.group(1) for ln in head.splitlines()[:40] if (m := _TYPE_LINE_RE.match(ln.strip()))), "")
    by_number = type_from_number(info.number) if info.number else None
    if by_number == "Văn bản hợp nhất":
        info.consolidated = True
        base = _TYPED_NUMBER_RE.search(head)
        info.doc_type = kind_name(type_line) or (kind_name(base.group(1)) if base else None) or "Văn bản hợp nhất"
        info.base_number = base.group(2).rstrip(".,;)") if base else ""
    else:
        info.doc_type = (kind_name(type_line) if type_line else None) or by_number or (
            kind_name(typed.group(1)) if typed else None) or ""
    info.subject = _subject(head, type_line)
    if m := _PLACE_DATE_RE.search(head):
        info.issued = parse_date(m.group(1)) or ""
    elif m := _TITLE_DATE_RE.search(title_hint) or _TITLE_DATE_RE.search(head[:1500]):
        info.issued = parse_date(m.group(0)) or ""
    info.issuer = _issuer(head, title_hint)
    amended = _AMENDED_LIST_RE.search(head)
    if amended:
        info.amended_by = _numbers(amended.group(1))
    elif m := _AMENDED_BY_RE.search(title_hint or head[:1500]):
        info.amended_by = _numbers(m.group(1))[:5]
    info.effective = _effective(text, info)
    tail = text[-20000:]
    if m := _REPLACES_RE.search(tail):
        info.replaces = _numbers(m.group(1))[:5]
    if m := _REPLACED_BY_RE.search(head):
        info.replaced_by = next(iter(_numbers(m.group(1))), "")
    return info


def _subject(head: str, type_line: str) -> str:
    if not type_line:
        return ""
    lines = [ln.strip().strip("#* ") for ln in head.splitlines()]
    for i, ln in enumerate(lines):
        if ln.upper() == type_line:
            nxt = _cap(next((x for x in lines[i + 1:i + 4] if x), ""))
            return nxt if len(nxt) <= 160 else nxt[:150].rsplit(" ", 1)[0] + "…"
    return ""


def _issuer(head: str, title_hint: str) -> str:
    for line in [ln.strip() for ln in head.splitlines() if ln.strip()][:8]:
        if (m := _HEADER_AGENCY_RE.match(line)) and m.group(1).strip(" ,-") and "CỘNG HÒA" not in m.group(1):
            return _cap(m.group(1).strip(" ,-"))
    if m := _ISSUER_OF_RE.search(title_hint or head[:800]):
        return m.group(1).strip()
    return ""


def _effective(text: str, info: LegalInfo) -> str:
    if info.consolidated:
        # A consolidated text is in force in the wording of its latest amendment, listed in its header.
        dates = [d for d in (parse_date(m.group(1)) for m in _ANY_EFFECTIVE_RE.finditer(text[:6000])) if d]
        if dates:
            return max(dates)
    for m in _SELF_EFFECTIVE_RE.finditer(text):
        if fold(m.group(1)).startswith("ngay ky"):
            return info.issued
        if d := parse_date(m.group(1)):
            return d
    first = _ANY_EFFECTIVE_RE.search(text[:6000])
    return (parse_date(first.group(1)) or "") if first else ""


# -- the operator's override ------------------------------------------------------
class Sidecar(BaseModel):
    """``<file>.meta.toml``: every field optional; what is given wins over the text."""

    model_config = ConfigDict(extra="forbid")

    number: str | None = Field(None, description="Document number, e.g. 146/2018/NĐ-CP.")
    type: str | None = Field(None, description="Document type (Luật, Nghị định, Thông tư…).")
    issuer: str | None = Field(None, description="Issuing body.")
    issued: date | None = Field(None, description="Date of issue.")
    effective: date | None = Field(None, description="Date it takes effect.")
    effective_until: date | None = Field(None, description="Date it stops being in force.")
    status: Literal["in_force", "partly_amended", "superseded", "expired"] | None = Field(
        None, description="Validity, when the operator knows better than the text.")
    replaced_by: str | None = Field(None, description="Number of the document that replaces it.")
    amended_by: list[str] | None = Field(None, description="Numbers of the documents that amend it.")
    title: str | None = Field(None, description="Readable title shown to users.")


class SidecarError(ValueError):
    pass


def load_sidecar(data: bytes, name: str) -> Sidecar:
    try:
        raw: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
        return Sidecar.model_validate(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SidecarError(f"sidecar {name} is not valid TOML ({exc})") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SidecarError(f"sidecar {name} has invalid fields ({problems})") from exc


def apply_sidecar(info: LegalInfo, side: Sidecar) -> LegalInfo:
    if side.number:
        info.number = side.number
        info.consolidated = type_from_number(side.number) == "Văn bản hợp nhất"
    if side.type:
        info.doc_type = kind_name(side.type) or side.type
    elif side.number and not info.doc_type:
        info.doc_type = type_from_number(side.number) or ""
    for name in ("issuer", "replaced_by", "title"):
        value = getattr(side, name)
        if value:
            setattr(info, name, value)
    for name in ("issued", "effective", "effective_until"):
        value = getattr(side, name)
        if value:
            setattr(info, name, value.isoformat())
    if side.amended_by is not None:
        info.amended_by = list(side.amended_by)
    if side.status:
        info.status = side.status
    return info


# -- names --------------------------------------------------------------------------
def citation_name(meta: dict[str, Any]) -> str:
    """How an answer names the document in its legal basis:
    'Luật Bảo hiểm y tế (VBHN 22/VBHN-VPQH)', 'Nghị định 146/2018/NĐ-CP'."""
    number, kind, subject = meta.get("doc_number") or "", meta.get("doc_type") or "", meta.get("subject") or ""
    if not number and not kind:
        return str(meta.get("title") or "")
    if meta.get("consolidated"):
        name = f"{kind} {subject}".strip() if kind == "Luật" and subject else (kind or "Văn bản hợp nhất")
        code = number.split("/")[1].split("-")[0] if "/" in number else "VBHN"
        return f"{name} ({code} {number})"
    if kind == "Luật" and subject:
        return f"Luật {subject} {number}".strip()
    return f"{kind} {number}".strip()


def readable_title(meta: dict[str, Any], text_title: str) -> str:
    """A title a citizen recognises: the document's type and number, with its subject when known."""
    kind, number, subject = meta.get("doc_type") or "", meta.get("doc_number") or "", meta.get("subject") or ""
    if kind == "Luật" and subject:
        return f"Luật {subject}"
    if kind and number:
        base = f"{kind} {number}"
        if subject and not fold(subject).startswith(fold(kind)):
            return f"{base}: {subject}"
        lead = re.split(r"\s+(?=(?:quy định|ban hành|về|hướng dẫn)\b)", text_title, maxsplit=1, flags=re.IGNORECASE)
        if len(lead) == 2 and len(lead[1]) < 160 and number in text_title:
            return f"{base} {lead[1].rstrip('.)( ')}"
        return base
    return text_title


def status_as_of(meta: dict[str, Any], as_of: str) -> str:
    """Validity on a date (ISO): dates first, then the operator's word, replacement and amendments."""
    declared = str(meta.get("status") or "")
    until = str(meta.get("effective_until") or "")
    effective = str(meta.get("effective") or "")
    if until:
        if until <= as_of:
            return "superseded" if meta.get("replaced_by") or declared == "superseded" else "expired"
        if declared in {"superseded", "expired"}:
            declared = ""  # replaced later than the date asked about
    elif declared in {"superseded", "expired"}:
        return declared
    elif meta.get("replaced_by"):
        return "superseded"
    if effective and effective > as_of:
        return "not_yet_in_force"
    if declared:
        return declared
    if meta.get("amended_by") and not meta.get("consolidated"):
        return "partly_amended"
    return "in_force"
