"""Abbreviations as citizens type them: "BHYT", and as often "bhyt"."""

from __future__ import annotations

from rag.text.abbrev import expand_abbreviations


def test_a_lower_case_abbreviation_is_written_out_like_a_capital_one() -> None:
    assert expand_abbreviations("the bhyt bi mat") == ("the BHYT bi mat (bảo hiểm y tế)", ["bảo hiểm y tế"])
    assert expand_abbreviations("Thẻ BHYT bị mất") == ("Thẻ BHYT bị mất (bảo hiểm y tế)", ["bảo hiểm y tế"])
    assert expand_abbreviations("ubnd xa")[1] == ["ủy ban nhân dân"]


def test_short_lower_case_words_and_document_numbers_are_left_alone() -> None:
    # "ai" (who) is a word; "AI" is artificial intelligence. Letters of a number are the number's.
    assert expand_abbreviations("ai lap danh sach") == ("ai lap danh sach", [])
    assert expand_abbreviations("Nghị quyết 57-NQ/TW")[1] == []
