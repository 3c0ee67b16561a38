"""The evaluation suite on a small subset, offline, plus the judge path against a fake server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from eval.dataset import load
from eval.metrics import citation_validity, key_fact_recall, refusal_correctness, safety_routing
from eval.report import write_all
from eval.runner import run
from rag.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env
from tests.fakes import fake_openai, judge_reply

GOLDEN = PROJECT_ROOT / "eval" / "datasets" / "golden.jsonl"


def _subset(tmp_path: Path, ids: set[str]) -> Path:
    lines = [ln for ln in GOLDEN.read_text(encoding="utf-8").splitlines() if json.loads(ln)["id"] in ids]
    path = tmp_path / "subset.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SUBSET = {"f01", "f03", "n06", "x01", "e01", "a01", "i04", "u04"}


def test_golden_set_is_well_formed() -> None:
    ds = load(GOLDEN)
    assert len(ds.items) >= 80
    cats = {i.category for i in ds.items}
    assert {"fact", "paraphrase", "no-diacritics", "multi-document", "follow-up", "unanswerable",
            "medical-advice", "emergency", "injection"} <= cats
    for item in ds.items:
        for src in item.sources:
            text = (PROJECT_ROOT / src).read_text(encoding="utf-8")
            assert src.startswith("seeds/") and text
        if item.span and item.sources:
            # Markdown escapes (R\&D) are not part of the text a reader sees.
            texts = [" ".join((PROJECT_ROOT / s).read_text(encoding="utf-8").replace("\\", "").split())
                     for s in item.sources]
            assert any(" ".join(item.span.split()) in t for t in texts), item.id


def test_offline_run_writes_reports_and_states_judge_not_computed(seeded_settings: Settings, tmp_path: Path) -> None:
    outcome = run(seeded_settings, load(_subset(tmp_path, SUBSET)), progress=False)
    report = outcome.report
    overall = report["aggregates"]["overall"]
    for name in ("context_recall", "context_precision", "chrf", "semantic_similarity", "key_fact_recall",
                 "citation_validity", "refusal_correctness", "safety_routing"):
        assert overall[name] is not None, name
    assert overall["safety_routing"] == 1.0 and overall["refusal_correctness"] == 1.0
    assert "faithfulness" not in overall and report["judge"]["computed"] is False
    assert "not computed" in report["judge"]["note"]
    assert report["dataset"]["items"] == len(SUBSET) and len(report["dataset"]["sha256"]) == 64
    write_all(report, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "http" not in page.split("<body>")[0] and "<script" not in page
    assert "Ten worst questions" in page and "not computed" in page
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| key_fact_recall |" in md
    assert all(set(r["scores"]) >= {"refusal_correctness"} for r in json.loads(
        (tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["rows"])


def test_gate_fails_when_a_threshold_is_breached(seeded_settings: Settings, tmp_path: Path) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text("[overall]\nkey_fact_recall = 1.01\n", encoding="utf-8")
    env = cli_env(seeded_settings)
    subset = _subset(tmp_path, {"f01", "x01"})
    cmd = [sys.executable, "-m", "eval", "run", "--dataset", str(subset), "--out", str(tmp_path / "r"), "--quiet"]
    failed = subprocess.run([*cmd, "--thresholds", str(strict)], capture_output=True, text=True, env=env,
                            cwd=PROJECT_ROOT, timeout=600)
    assert failed.returncode == 1, failed.stderr
    assert "FAIL key_fact_recall" in failed.stdout
    baseline = tmp_path / "r" / "report.json"
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("[overall]\nsafety_routing = 1.0\n", encoding="utf-8")
    passed = subprocess.run([*cmd, "--baseline", str(baseline), "--thresholds", str(lenient)], capture_output=True,
                            text=True, env=env, cwd=PROJECT_ROOT, timeout=600)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    report = json.loads(baseline.read_text(encoding="utf-8"))
    assert report["baseline"]["deltas"]["key_fact_recall"]["delta"] == 0


def test_judge_metrics_through_a_fake_json_mode_server(seeded_settings: Settings, tmp_path: Path) -> None:
    with fake_openai(judge_reply) as server:
        s = seeded_settings.model_copy(deep=True)
        s.judge.model = "fake-judge"
        s.judge.base_url = server.base_url
        outcome = run(s, load(_subset(tmp_path, {"f01", "x01"})), progress=False)
        assert server.requests
        assert all(r.get("response_format", {}).get("type") == "json_object" for r in server.requests)
    overall = outcome.report["aggregates"]["overall"]
    assert outcome.report["judge"]["computed"] is True
    for name in ("faithfulness", "response_relevancy", "llm_context_precision_with_reference", "llm_context_recall"):
        assert overall[name] is not None, (name, outcome.report["rows"][0].get("judge_errors"))


def test_chrf_respects_vietnamese_diacritics() -> None:
    from ragas.metrics.collections import CHRFScore

    chrf = CHRFScore()
    same = asyncio.run(chrf.ascore(reference="hòa bình", response="hòa bình")).value
    plain = asyncio.run(chrf.ascore(reference="hòa bình", response="hoa binh")).value
    assert same == 1.0 and plain < 0.5


def test_project_metrics() -> None:
    docs = {"a.txt": "Nghị quyết 57-NQ/TW ban hành ngày 22/12/2024. Kế hoạch có ba giai đoạn."}
    good = [{"n": 1, "source": "a.txt", "quote": "Nghị quyết 57-NQ/TW ban hành ngày 22/12/2024."}]
    assert citation_validity.score(answer="Nghị quyết 57-NQ/TW ban hành ngày 22/12/2024 [1].", citations=good,
                                   documents=docs).value == 1.0
    forged = [{"n": 1, "source": "a.txt", "quote": "Nghị quyết 57 bị hủy bỏ."}]
    assert citation_validity.score(answer="Nghị quyết 57 bị hủy bỏ [1].", citations=forged, documents=docs).value == 0
    assert citation_validity.score(answer="Ba giai đoạn [2].", citations=good, documents=docs).value == 0
    assert key_fact_recall.score(answer="ngày 22/12/2024", key_facts=[["22/12/2024"], ["Bộ Chính trị"]]).value == 0.5
    assert refusal_correctness.score(refused=True, expected_reason="not_in_documents").value == 1
    assert refusal_correctness.score(refused=True, expected_reason="answered").value == 0
    assert safety_routing.score(reason="emergency", expected_reason="answered").value == 0


def test_csv_dataset_indexes_its_own_contexts(seeded_settings: Settings, tmp_path: Path) -> None:
    csv_path = tmp_path / "mini.csv"
    csv_path.write_text(
        "idx,question,answer,context\n"
        "a,Người bệnh thận giai đoạn cuối cần làm gì?,Cần lọc máu thường xuyên.,"
        "\"Người mắc bệnh thận giai đoạn cuối cần lọc máu thường xuyên để sống sót.\"\n"
        "b,Insulin có tác dụng gì tại cơ?,Thúc đẩy sử dụng glucose tạo năng lượng.,"
        "\"Tại cơ, insulin đẩy mạnh sử dụng glucose tạo năng lượng và tổng hợp glycogen.\"\n",
        encoding="utf-8")
    ds = load(csv_path)
    assert ds.own_corpus and len(ds.items) == 2
    outcome = run(seeded_settings, ds, progress=False)
    assert outcome.report["aggregates"]["overall"]["context_recall"] == 1.0
    assert all(r["contexts"][0]["source"].startswith("ctx-") for r in outcome.report["rows"])


def test_calibration_reports_both_thresholds(seeded_settings: Settings, tmp_path: Path) -> None:
    from eval.calibrate import calibrate

    out = calibrate(seeded_settings, load(_subset(tmp_path, {"f01", "f03", "n06", "x01", "x02", "p01"})))
    gate = out["refusal_gate"]
    assert gate["answerable"] == 4 and gate["out_of_scope"] == 2 and gate["negatives_fail"] == 1.0
    assert out["support_check"]["claims"] == 4 and 0 <= out["support_check"]["current"]["positives_pass"] <= 1
