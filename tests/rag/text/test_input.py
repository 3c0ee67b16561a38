"""What a person types is cleaned the same way at every entry point."""

from __future__ import annotations

import unicodedata

from rag.text.normalize import clean_input


def test_invisible_and_control_characters_are_dropped() -> None:
    assert clean_input("BH\u0000YT\u200b có\u200c chi\u200d trả\ufeff không?\u0007") == "BHYT có chi trả không?"
    assert clean_input("dòng một\ndòng\thai\r\n") == "dòng một dòng hai  "


def test_vietnamese_combining_marks_are_kept() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết số 57 về khám chữa bệnh")
    assert decomposed != "Nghị quyết số 57 về khám chữa bệnh"
    assert clean_input(decomposed) == "Nghị quyết số 57 về khám chữa bệnh"
