"""`python -m app bench --first-start DIR`: a real server indexes DIR on its first start, is asked, restarted
and asked again; the command prints both latencies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rag.settings import PROJECT_ROOT
from tests.conftest import cli_env, make_settings


def test_first_start_bench_reports_both_starts(tmp_path: Path, cache_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tin.txt").write_text("Tin y tế\n\nBệnh viện tỉnh triển khai đơn thuốc điện tử từ tháng 5 năm 2025 "
                                  "cho người bệnh ngoại trú có thẻ bảo hiểm y tế.\n", encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "Bệnh viện tỉnh triển khai đơn thuốc điện tử từ khi nào?"},
                                    ensure_ascii=False) + "\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data", cache_dir)
    done = subprocess.run([sys.executable, "-m", "app", "bench", "--first-start", str(docs), "--seconds", "2",
                           "--questions", str(questions)], capture_output=True, text=True, timeout=600,
                          cwd=PROJECT_ROOT, env=cli_env(settings))
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["documents"] == 1 and out["chunks"] >= 1
    for run in ("after_first_start", "after_restart"):
        assert out[run]["answers"] >= 1 and out[run]["non_200"] == 0 and out[run]["p50_ms"] > 0
    bad = subprocess.run([sys.executable, "-m", "app", "bench", "--first-start", str(tmp_path / "none")],
                         capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT, env=cli_env(settings))
    assert bad.returncode == 2 and "not a folder" in bad.stderr
