"""The ALQAC 2023 set as an evaluation dataset, and the competition's article measures."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.dataset import load
from eval.metrics import article_f2, article_hit_at_1, article_hit_at_5
from rag.documents.legal_structure import parse
from rag.settings import PROJECT_ROOT

ALQAC = PROJECT_ROOT.parent / "shared" / "bench" / "alqac2023"


@pytest.mark.skipif(not ALQAC.is_dir(), reason="the shared ALQAC data is not beside the project")
def test_the_alqac_folder_is_a_dataset_with_its_own_legal_corpus(tmp_path: Path) -> None:
    ds = load(ALQAC, work_dir=tmp_path)
    assert len(ds.items) == 100 and ds.own_corpus
    assert len(ds.corpus_files) == 17
    first = ds.items[0]
    assert first.legal_basis and first.legal_basis[0]["article"] == "32"
    # Gold articles name their law as the index names it, so a right article of another law does not count.
    assert first.legal_basis[0]["source"] in first.sources and first.sources[0].endswith(".md")
    assert not first.reference  # labels ("Đúng"/"Sai") are not reference texts
    law = next(p for p in ds.corpus_files if p.name == "luat-cu-tru.md")
    doc = parse(law.read_text(encoding="utf-8"))
    assert len(doc.articles) == 38 and doc.articles[0].label == "Điều 1. Phạm vi điều chỉnh"
    # Converted once: a second load reads the same files.
    assert load(ALQAC, work_dir=tmp_path).corpus_files == ds.corpus_files


def test_article_measures() -> None:
    gold = [{"article": "32", "source": "laws/a.md"}, {"article": "33", "source": "laws/a.md"}]
    right = {"n": 1, "source": "laws/a.md", "basis": "khoản 1 Điều 32"}
    other_law = {"n": 1, "source": "laws/b.md", "basis": "Điều 32"}
    wrong = {"n": 2, "source": "laws/a.md", "basis": "Điều 5"}
    assert article_hit_at_1([right, wrong], gold) == 1.0
    assert article_hit_at_1([other_law], gold) == 0.0  # the same number in another law is not the gold article
    assert article_hit_at_1([], gold) == 0.0
    assert article_hit_at_5([["laws/b.md", "1"], ["laws/a.md", "33"]], gold) == 1.0
    assert article_hit_at_5([["laws/b.md", "32"]] * 5 + [["laws/a.md", "32"]], gold) == 0.0
    # F2: one right of two cited (P 0.5) and one of two gold found (R 0.5) → 0.5.
    assert article_f2([right, wrong], gold) == pytest.approx(0.5)
    assert article_f2([{"n": 1, "source": "laws/a.md", "basis": "khoản 1, 2 và 3 Điều 33"}, right], gold) == 1.0
