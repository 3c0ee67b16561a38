"""Where log records go: our own warnings to the console, everything (libraries included) to a file.

Libraries (pypdf, chromadb, llama_index, openai, httpx) report on stderr when nobody configured
logging, so a skipped PDF printed "EOF marker not found" before our one skip line, and a down LLM
printed llama_index's retry lines. Entry points call ``configure`` once.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

OWN = ("rag", "app", "eval", "__main__")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OwnOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] in OWN


class _Console(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def configure(log_dir: Path | None, console_level: int = logging.WARNING) -> Path | None:
    """Console: warnings of this project only, one line each. File: everything from INFO up."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hoidap", False):
            root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(console_level)
    console.addFilter(_OwnOnly())
    console.setFormatter(_Console())
    console._hoidap = True  # type: ignore[attr-defined]
    root.addHandler(console)
    path = None
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            path = log_dir / "hoidap.log"
            file = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
            file.setLevel(logging.INFO)
            file.setFormatter(logging.Formatter(_FORMAT))
            file._hoidap = True  # type: ignore[attr-defined]
            root.addHandler(file)
        except OSError:
            path = None  # a read-only data directory must not stop the command
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # library warnings.warn() become log records (file only)
    return path
