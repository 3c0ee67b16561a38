"""From a seed file to chunks: cleaning, metadata, titles, sentences, chunks."""

from rag.documents.chunking import VietnameseChunker, count_tokens, split_sentences
from rag.documents.clean import clean_text
from rag.documents.metadata import extract
from rag.settings import PROJECT_ROOT, apply_process_env

SEEDS = PROJECT_ROOT / "seeds"
apply_process_env()  # the tiktoken cache that ships with LlamaIndex: chunk sizes are counted offline


def read(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def test_headline_run_and_widgets_are_removed_but_title_kept() -> None:
    text = clean_text(read("003_75f02e9b32117530.txt"))
    assert "Bộ trưởng Bộ Y tế Đào Hồng Lan tiếp và làm việc với UNICEF" not in text
    assert "Asset Publisher" not in text and "Thăm dò ý kiến" not in text
    assert text.startswith("Hội nghị góp ý kiến dự thảo Kế hoạch hành động của Bộ Y tế")
    assert "Giai đoạn vươn mình (2030-2045)" in text


def test_navigation_removed_footer_contacts_kept() -> None:
    text = clean_text(read("002_8573dfc301923219.txt"))
    assert "Dịch vụ viêm chủng" not in text
    assert "Điện thoại: 02438343537" in text and "Số 70 Nguyễn Chí Thanh" in text
    vandon = clean_text(read("000_2586ccad5913b7ee.txt"))
    assert "PHẪU THUẬT NẮN CHỈNH" not in vandon and "Một số bài viết khác" not in vandon


def test_metadata_dates_publishers_numbers() -> None:
    cases = {
        "001_9b224113027d50fc.txt": "2025-11-07",
        "002_8573dfc301923219.txt": "2026-03-20",
        "003_75f02e9b32117530.txt": "2025-02-12",
        "nq03_NQ-CP_2025-01-09_fulltext_with_appendices.md": "2025-01-09",
        "nq57_NQ-TW_2024-12-22_fulltext.md": "2024-12-22",
    }
    for name, date in cases.items():
        raw = read(name)
        meta = extract(clean_text(raw, name.endswith(".md")), raw)
        assert meta.date == date, name
    raw = read("002_8573dfc301923219.txt")
    meta = extract(clean_text(raw), raw)
    assert meta.publisher == "Trung tâm Kiểm soát bệnh tật thành phố Hà Nội"
    assert meta.doc_numbers == ["57-NQ/TW"]
    raw = read("001_9b224113027d50fc.txt")
    assert {"72-NQ/TW", "57-NQ/TW"} <= set(extract(clean_text(raw), raw).doc_numbers)
    # A weekday date line in the headline run is another article's, not this one's.
    assert extract("Tiêu đề\nSaturday 2025-07-05 14:25\nNội dung.", "x").date == "2025-07-05"


def test_a_text_without_a_heading_is_titled_by_what_it_is_about_never_its_first_sentence() -> None:
    raw = read("000_2586ccad5913b7ee.txt")
    first = raw.split(". ")[0]
    title = extract(clean_text(raw), raw).title
    assert title == ("Tin bài: Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, "
                     "đổi mới sáng tạo và chuyển đổi số quốc gia")
    assert first not in title
    plain = "Sáng nay bệnh viện huyện tổ chức khám miễn phí cho hàng trăm người cao tuổi trong vùng. Nhiều người đến."
    assert extract(plain, plain).title == "Tin bài: Sáng nay bệnh viện huyện tổ chức khám miễn phí cho hàng trăm người cao tuổi …"
    # A heading is kept as it is.
    assert extract("Hà Nội đẩy mạnh chuyển đổi số y tế\nNội dung bài.", "x").title == "Hà Nội đẩy mạnh chuyển đổi số y tế"


def test_sentences_keep_abbreviations() -> None:
    assert split_sentences("TS. Lê Văn Cường phát biểu. Hội nghị kết thúc.") == [
        "TS. Lê Văn Cường phát biểu.", "Hội nghị kết thúc."]


def test_legal_chunks_carry_section_paths_and_fit_the_budget() -> None:
    chunker = VietnameseChunker(max_tokens=200)
    raw = read("nq57_NQ-TW_2024-12-22_fulltext.md")
    chunks = chunker.chunk_text(clean_text(raw, True), True, "Nghị quyết số 57-NQ/TW")
    paths = {" › ".join(s) for s, _ in chunks}
    assert "II. MỤC TIÊU › 1. Đến năm 2030" in paths
    assert any(p.startswith("III. NHIỆM VỤ, GIẢI PHÁP › 2.") for p in paths)
    assert all(count_tokens(t) <= 200 for _, t in chunks)
    target = [t for s, t in chunks if s == ("II. MỤC TIÊU", "1. Đến năm 2030")]
    assert any("30% GDP" in t for t in target)


def test_markdown_tables_become_labelled_rows() -> None:
    raw = read("nq03_NQ-CP_2025-01-09_fulltext_with_appendices.md")
    chunks = VietnameseChunker().chunk_text(clean_text(raw, True), True)
    rows = [t for s, t in chunks if s and s[0] == "PHỤ LỤC I"]
    assert any("Tỷ lệ người dân có hồ sơ sức khỏe điện tử; Đơn vị: %; Kết quả: ≥ 95" in t for t in rows)


def test_a_numbered_paragraph_is_one_sentence() -> None:
    from rag.documents.chunking import split_sentences

    assert split_sentences("5. Thời gian tham gia bảo hiểm y tế 05 năm liên tục. Người lao động đi làm.") == [
        "5. Thời gian tham gia bảo hiểm y tế 05 năm liên tục.", "Người lao động đi làm."]
