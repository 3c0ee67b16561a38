"""Feedback and usage, in SQLite under the data directory by default or in PostgreSQL
(``HOIDAP_STORE__URL=postgresql://…``), so that several app machines can share them.

Questions are stored without the client's IP, with phone and ID-card numbers masked, and
are deleted after the retention period.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)

from rag.errors import ConfigError
from rag.settings import Settings
from rag.text.normalize import fold

_META = MetaData()
FEEDBACK = Table(
    "feedback", _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("site", Text, nullable=False, server_default=""),
)
USAGE = Table(
    "usage", _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Float, nullable=False, index=True),
    Column("day", String(10), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("qkey", Text, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("site", String(100), nullable=False, server_default=""),
    Column("nearest", Text, nullable=False, server_default=""),
)

# Nine or more digits, possibly grouped by spaces, dots or dashes: phone numbers (10-11 digits),
# CCCD (12), CMND (9), the digits of a health-insurance card. Document numbers ("146/2018") are shorter.
_PERSONAL_NUMBER_RE = re.compile(r"(?<![\w])(?:[A-Za-z]{2})?\+?\d(?:[ .\-]?\d){8,}(?![\w])")
_MASK = "***"
_PURGE_EVERY_S = 3600.0


def mask_personal(text: str) -> str:
    """The question with phone and ID-card numbers replaced, so they are never stored."""
    return _PERSONAL_NUMBER_RE.sub(_MASK, text)


def question_key(text: str) -> str:
    """Questions that differ only in case, diacritics, punctuation or spacing group together."""
    return " ".join(re.findall(r"\w+", fold(text)))


def store_url(settings: Settings) -> str:
    url = settings.store.url.get_secret_value() if settings.store.url else ""
    if not url:
        return f"sqlite:///{(settings.paths.data_dir / 'feedback.sqlite').as_posix()}"
    if url.startswith(("postgresql://", "postgres://")):
        # SQLAlchemy's bare postgresql:// means psycopg2; psycopg 3 is what we install.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise ConfigError(f"The store driver for {url.split(':', 1)[0]} is not installed: "
                          "pip install 'psycopg[binary]>=3.1'") from exc
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _wal(conn: Any, _record: Any) -> None:
            conn.execute("PRAGMA journal_mode=WAL")  # several workers may write at once
            conn.execute("PRAGMA busy_timeout=30000")
    _META.create_all(engine)
    return engine


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, reply: dict[str, Any], rating: int, comment: str = "", site: str = "") -> int:
        row = {"created": time.time(), "question": mask_personal(str(reply.get("question", "")))[:4000],
               "answer": str(reply.get("answer", ""))[:8000],
               "citations": json.dumps(reply.get("citations", []), ensure_ascii=False)[:100_000],
               "provider": str(reply.get("provider", ""))[:100], "rating": 1 if rating > 0 else -1,
               "comment": mask_personal(comment)[:2000], "site": site[:100]}
        with self.engine.begin() as conn:
            result = conn.execute(insert(FEEDBACK).values(**row).returning(FEEDBACK.c.id))
            return int(result.scalar_one())

    def comment(self, row_id: int, comment: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(FEEDBACK).where(FEEDBACK.c.id == row_id).values(comment=mask_personal(comment)[:2000]))

    def rows(self, rating: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        query = select(FEEDBACK).order_by(FEEDBACK.c.id.desc() if limit else FEEDBACK.c.id)
        if rating is not None:
            query = query.where(FEEDBACK.c.rating == rating)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            out = [dict(r._mapping) for r in conn.execute(query)]
        for r in out:
            r["citations"] = json.loads(r["citations"] or "[]")
        return out

    def cases(self) -> list[dict[str, Any]]:
        """👎 items as candidate evaluation cases (the golden.jsonl format, to be completed by a reviewer)."""
        return [{"id": f"feedback-{r['id']}", "category": "feedback", "question": r["question"],
                 "reference": "", "key_facts": [], "sources": [], "span": "",
                 "review": {"answer_given": r["answer"], "citations_given": r["citations"], "provider": r["provider"],
                            "comment": r["comment"], "site": r["site"], "created": r["created"]}}
                for r in self.rows(rating=-1)]

    def export_negative(self, out: Path) -> int:
        cases = self.cases()
        with out.open("w", encoding="utf-8") as fh:
            for case in cases:
                fh.write(json.dumps(case, ensure_ascii=False) + "\n")
        return len(cases)


class UsageStore:
    def __init__(self, engine: Engine, retention_days: int) -> None:
        self.engine = engine
        self.retention_days = retention_days
        self._purged = 0.0

    def add(self, question: str, reason: str, site: str = "", nearest: str = "", now: float | None = None) -> None:
        now = time.time() if now is None else now
        masked = mask_personal(question)[:2000]
        row = {"created": now, "day": time.strftime("%Y-%m-%d", time.localtime(now)), "question": masked,
               "qkey": question_key(masked)[:500], "reason": reason[:40], "site": site[:100], "nearest": nearest[:300]}
        with self.engine.begin() as conn:
            conn.execute(insert(USAGE).values(**row))
        if now - self._purged > _PURGE_EVERY_S:
            self.purge(now)

    def purge(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        self._purged = now
        with self.engine.begin() as conn:
            return int(conn.execute(delete(USAGE).where(USAGE.c.created < now - self.retention_days * 86400)).rowcount)

    def summary(self, days: int = 30, top: int = 20) -> dict[str, Any]:
        since = time.time() - days * 86400
        with self.engine.connect() as conn:
            per_day = conn.execute(select(USAGE.c.day, func.count()).where(USAGE.c.created >= since)
                                   .group_by(USAGE.c.day).order_by(USAGE.c.day)).all()
            reasons: dict[str, int] = dict(conn.execute(select(USAGE.c.reason, func.count()).where(USAGE.c.created >= since)
                                        .group_by(USAGE.c.reason)).all())
            unanswered = conn.execute(select(USAGE.c.qkey, USAGE.c.question, USAGE.c.nearest)
                                      .where(USAGE.c.created >= since, USAGE.c.reason == "not_in_documents")
                                      .order_by(USAGE.c.id.desc()).limit(20_000)).all()
        total = sum(reasons.values())
        groups: dict[str, dict[str, Any]] = {}
        for key, question, nearest in unanswered:
            g = groups.setdefault(key, {"question": question, "count": 0, "nearest": Counter()})
            g["count"] += 1
            if nearest:
                g["nearest"][nearest] += 1
        ranked = sorted(groups.values(), key=lambda g: -g["count"])[:top]
        return {
            "days": days, "total": total,
            "per_day": [{"day": d, "questions": n} for d, n in per_day],
            "reasons": {r: {"count": n, "share": round(n / total, 3)} for r, n in sorted(reasons.items())},
            "refusal_rate": round(sum(n for r, n in reasons.items() if r != "answered") / total, 3) if total else 0.0,
            "unanswered": [{"question": g["question"], "count": g["count"],
                            "nearest": g["nearest"].most_common(1)[0][0] if g["nearest"] else ""} for g in ranked],
            "retention_days": self.retention_days,
        }


class Stores:
    """The feedback and usage stores on one database."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(store_url(settings))
        self.feedback = FeedbackStore(self.engine)
        self.usage = UsageStore(self.engine, settings.store.usage_retention_days)
