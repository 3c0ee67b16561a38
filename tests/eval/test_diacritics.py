"""`python -m eval diacritics`: restoring questions typed plain, against each syllable's most frequent form."""

from __future__ import annotations

import json
from pathlib import Path

from eval.diacritics import diacritics
from rag.settings import Settings


def test_restoration_beats_the_most_frequent_form_on_questions_it_never_saw(seeded_settings: Settings,
                                                                             tmp_path: Path) -> None:
    questions = ["Khám chữa bệnh nghiện rượu có được bảo hiểm y tế thanh toán không?",
                 "Người dân tộc thiểu số ở vùng đồng bào dân tộc thiểu số có được hỗ trợ không?",
                 "Mức đóng bảo hiểm y tế của hộ gia đình là bao nhiêu?"]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps({"question": q}, ensure_ascii=False) for q in questions), encoding="utf-8")
    out = diacritics(seeded_settings, path)
    assert out["questions"] == 3
    assert out["syllables_right"] > out["most_frequent_form"]
    assert out["syllables_right"] >= 0.9
