"""A question of several sentences asks in one of them: that sentence leads when it names a topic of its own."""

from __future__ import annotations

from rag.search.focus import asking, asking_sentence, part, points_back, sentences

_STORY = ("Chào anh chị, tôi năm nay 45 tuổi, làm nghề tự do ở quê, có chuyện này chưa rõ nên muốn hỏi. "
          "Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?")


def _words(sentence: str) -> float:
    return float(len(sentence.split()))


def test_the_asking_sentence_is_the_last_with_a_question_mark_or_question_word() -> None:
    assert asking(sentences(_STORY)) == 1
    assert asking(sentences("Mức đóng là bao nhiêu? Nhà tôi có 4 người.")) == 0
    # Typed without a question mark, the sentence with a question word asks; a closing thanks does not.
    assert asking(sentences("Bo toi 82 tuoi. Ong co duoc mien phi khong. Xin cam on.")) == 1


def test_a_one_sentence_question_has_no_focus() -> None:
    assert asking_sentence("Chi phí nạo phá thai có được bảo hiểm y tế chi trả không?", _words, 1.0) is None


def test_an_asking_sentence_that_points_back_to_the_story_does_not_stand_alone() -> None:
    story = "Bà tôi là vợ liệt sĩ, đã lấy chồng khác. Vậy trường hợp này có được nhà nước đóng bảo hiểm y tế không?"
    assert points_back(sentences(story)[1])
    assert asking_sentence(story, _words, 1.0) is None
    assert not points_back(sentences(_STORY)[1])
    # Typed plain, a one-syllable pointer is not read ("ho" is also "hộ").
    assert not points_back("ho gia dinh dong bao nhieu")


def test_a_standalone_asking_sentence_is_found_in_texts_derived_from_the_question() -> None:
    focus = asking_sentence(_STORY, _words, 5.0)
    assert focus == (1, 2)
    assert part(_STORY.upper(), focus) == sentences(_STORY)[1].upper()
    assert asking_sentence(_STORY, _words, 50.0) is None  # says too little to stand alone
    assert part("Một câu thôi", focus) is None  # a derived text that no longer aligns


def test_what_is_asked_and_of_whom_comes_from_the_asking_sentence() -> None:
    from rag.search.question import Question

    story = ("Em chào anh chị ạ, em là công nhân ở khu công nghiệp, nhà có bố mẹ già. Em đang có việc cần hỏi về "
             "bảo hiểm. Bệnh viện có trách nhiệm gì đối với người bệnh có thẻ bảo hiểm y tế?")
    q = Question(story, story, [], False, asking=(2, 3))
    assert q.role is not None and q.role.actor == "Bệnh viện" and q.role.role == "duties"
    # "bao nhiêu lần" in the story does not make it a question about a count.
    told = "Tôi hỏi bao nhiêu lần rồi mà chưa ai trả lời. Mức đóng bảo hiểm y tế hộ gia đình tính thế nào?"
    assert Question(told, told, [], False, asking=(1, 2)).kind != "count"
