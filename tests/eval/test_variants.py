"""`python -m eval variants`: the labelled legal questions asked plain, dated and after a story."""

from __future__ import annotations

import json
from pathlib import Path

from eval.dataset import Item
from eval.variants import FORMS, asked, variants
from rag.settings import Settings

_TEXTS = {"dated": ["Từ ngày 1/7/2025, "], "story": ["Chào anh chị, tôi có chuyện muốn hỏi. "]}


def test_each_form_is_written_the_askers_way() -> None:
    item = Item(id="x", category="legal-fact", question="Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?")
    assert asked(item, "plain", 0, _TEXTS, "2026-01-01") == "chi phi nao pha thai co duoc bao hiem y te chi tra khong?"
    assert asked(item, "dated", 0, _TEXTS, "2026-01-01") == ("Từ ngày 1/7/2025, chi phí nạo phá thai có được bảo "
                                                             "hiểm y tế chi trả không?")
    story = asked(item, "story", 0, _TEXTS, "2026-01-01")
    assert story is not None and story.startswith("Chào anh chị, tôi có chuyện muốn hỏi. Chi phí")
    # A question typed plain gets its opening plain too; one that names its date has no dated form.
    plain = Item(id="y", category="legal-fact", question="muc dong bhyt ho gia dinh la bao nhieu")
    assert asked(plain, "story", 0, _TEXTS, "2026-01-01") == "chao anh chi, toi co chuyen muon hoi. " + plain.question
    dated = Item(id="z", category="legal-fact", question="Từ 1/7/2025 mức đóng bảo hiểm y tế là bao nhiêu?")
    assert asked(dated, "dated", 0, _TEXTS, "2026-01-01") is None


def test_every_form_is_scored_on_the_same_questions(seeded_settings: Settings, tmp_path: Path) -> None:
    rows = [{"id": "l01", "category": "legal-fact", "question": "Chi phí nạo phá thai có được bảo hiểm y tế chi trả "
             "không?", "legal_basis": [{"article": "23", "clause": "5"}]},
            {"id": "n1", "category": "out-of-scope", "question": "Giá vàng hôm nay bao nhiêu?"}]
    path = tmp_path / "legal.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = variants(seeded_settings, [path], tmp_path / "work")
    assert out["questions"] == 1  # the question without a gold article is not asked
    assert set(out["forms"]) == set(FORMS)
    for form in FORMS:
        assert out["forms"][form]["right_article"] == 1.0, (form, out["forms"][form]["missed"])
