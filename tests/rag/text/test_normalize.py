"""Unicode, tone placement and diacritics."""

from rag.text.normalize import canonical, diacritic_ratio, fold, search_key


def test_both_tone_placements_compare_equal() -> None:
    for old, new in [("hoà", "hòa"), ("khoẻ", "khỏe"), ("thuỷ", "thủy"), ("Uỷ ban", "Ủy ban"), ("HOÀ", "HÒA")]:
        assert search_key(old) == search_key(new)
    # Syllables with a final consonant or qu/gi are left as written.
    assert canonical("hoàng quý già") == "hoàng quý già"


def test_fold_and_diacritic_ratio() -> None:
    assert fold("Nghị quyết số 57-NQ/TW đặc khu") == "nghi quyet so 57-nq/tw dac khu"
    assert diacritic_ratio("nghi quyet 57 ban hanh ngay nao") == 0
    assert diacritic_ratio("Nghị quyết 57 ban hành ngày nào") > 0.5
