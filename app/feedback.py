"""👍/👎 feedback in SQLite under the data directory (the server's only state)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created REAL NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  citations TEXT NOT NULL,
  provider TEXT NOT NULL,
  rating INTEGER NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT ''
)
"""


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")  # several server workers may write at once
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def add(self, reply: dict[str, Any], rating: int, comment: str = "", site: str = "") -> int:
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO feedback (created, question, answer, citations, provider, rating, comment, site) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), str(reply.get("question", ""))[:4000], str(reply.get("answer", ""))[:8000],
                 json.dumps(reply.get("citations", []), ensure_ascii=False), str(reply.get("provider", "")),
                 1 if rating > 0 else -1, comment[:2000], site[:100]))
            return int(cur.lastrowid or 0)

    def comment(self, row_id: int, comment: str) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE feedback SET comment = ? WHERE id = ?", (comment[:2000], row_id))

    def rows(self, rating: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, created, question, answer, citations, provider, rating, comment, site FROM feedback"
        args: tuple[Any, ...] = ()
        if rating is not None:
            sql += " WHERE rating = ?"
            args = (rating,)
        with self._lock:
            cur = self._db.execute(sql + " ORDER BY id", args)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

    def export_negative(self, out: Path) -> int:
        """Write 👎 items as candidate evaluation cases (the golden.jsonl format, to be completed by a reviewer)."""
        rows = self.rows(rating=-1)
        with out.open("w", encoding="utf-8") as fh:
            for r in rows:
                case = {
                    "id": f"feedback-{r['id']}", "category": "feedback", "question": r["question"],
                    "reference": "", "key_facts": [], "sources": [], "span": "",
                    "review": {"answer_given": r["answer"], "citations_given": json.loads(r["citations"]),
                               "provider": r["provider"], "comment": r["comment"], "site": r["site"],
                               "created": r["created"]},
                }
                fh.write(json.dumps(case, ensure_ascii=False) + "\n")
        return len(rows)
