"""The benchmark commands run from the installed layout (their default files are found)."""

from __future__ import annotations

import json
import subprocess
import sys

from rag.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env


def test_bench_answers_reports_the_answer_step(seeded_settings: Settings) -> None:
    out = subprocess.run([sys.executable, "-m", "rag", "bench", "answers", "--limit", "3"], capture_output=True,
                         text=True, env=cli_env(seeded_settings), cwd=PROJECT_ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-500:]
    figures = json.loads(out.stdout)
    assert figures["questions"] == 3 and figures["answer_step_p50_ms"] is not None
