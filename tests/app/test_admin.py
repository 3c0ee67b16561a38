"""The admin API and console: token required, upload → answerable, delete → gone, bad files → reason."""

from __future__ import annotations

import logging

import httpx
import pytest

from app.stores import mask_personal, question_key
from rag.settings import Settings
from tests.app.conftest import TOKEN

FACT_DOC = ("Lịch làm việc của Trạm Y tế xã Quan Lạn\n\n"
            "Trạm Y tế xã Quan Lạn tiếp nhận người bệnh có thẻ bảo hiểm y tế từ 7 giờ 15 phút đến 16 giờ 45 phút "
            "tất cả các ngày trong tuần, kể cả thứ Bảy và Chủ nhật.\n\n"
            "Người bệnh cần mang theo căn cước công dân có gắn chip để tra cứu thông tin thẻ bảo hiểm y tế.\n")
QUESTION = "Trạm Y tế xã Quan Lạn tiếp nhận người bệnh từ mấy giờ?"


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ENDPOINTS = [("GET", "/api/admin/documents"), ("POST", "/api/admin/documents"), ("DELETE", "/api/admin/documents/x"),
             ("GET", "/api/admin/feedback"), ("GET", "/api/admin/usage")]


def test_every_admin_endpoint_needs_the_token(admin: tuple[str, Settings]) -> None:
    url, _ = admin
    for method, path in ENDPOINTS:
        none = httpx.request(method, url + path)
        assert none.status_code == 401 and none.json()["code"] == "unauthorized", path
        assert none.headers["www-authenticate"] == "Bearer"
        wrong = httpx.request(method, url + path, headers=_auth("WRONG-guess-123"))
        assert wrong.status_code == 403 and wrong.json()["code"] == "forbidden", path
        assert "WRONG-guess-123" not in wrong.text and TOKEN not in wrong.text
    basic = httpx.get(url + "/api/admin/documents", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401


def test_console_is_disabled_without_a_token(live_server: str) -> None:
    r = httpx.get(f"{live_server}/api/admin/documents", headers=_auth())
    assert r.status_code == 503 and r.json()["code"] == "admin_disabled" and "HOIDAP_ADMIN__TOKEN" in r.json()["message"]
    page = httpx.get(f"{live_server}/admin")
    assert page.status_code == 503 and "HOIDAP_ADMIN__TOKEN" in page.text


def test_token_is_never_in_the_page_or_the_logs(admin: tuple[str, Settings], caplog: pytest.LogCaptureFixture) -> None:
    url, _ = admin
    caplog.set_level(logging.DEBUG)
    page = httpx.get(url + "/admin")
    assert page.status_code == 200 and TOKEN not in page.text and '<html lang="vi">' in page.text
    assert "<script>" not in page.text  # only the external admin.js runs (the CSP allows no inline script)
    httpx.get(url + "/api/admin/documents", headers=_auth())
    assert TOKEN not in caplog.text


def test_upload_makes_a_document_answerable_and_delete_removes_it(admin: tuple[str, Settings]) -> None:
    url, settings = admin
    before = httpx.post(url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert not any("quan-lan" in c["source"] for c in before["citations"])

    r = httpx.post(url + "/api/admin/documents", headers=_auth(), timeout=120,
                   files={"file": ("lich quan-lan.txt", FACT_DOC.encode(), "text/plain")})
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    assert r.json()["job"]["status"] == "done" and r.json()["document"]["chunks"] >= 1
    listed = {d["id"]: d for d in httpx.get(url + "/api/admin/documents", headers=_auth()).json()["documents"]}
    assert doc_id in listed and listed[doc_id]["title"].startswith("Lịch làm việc")
    assert {"title", "number", "date", "chunks", "status", "validity", "indexed_at"} <= set(listed[doc_id])
    assert listed[doc_id]["status"] == "indexed"

    answer = httpx.post(url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert answer["reason"] == "answered" and "7 giờ 15 phút" in answer["answer"]
    assert any("quan-lan" in c["source"] for c in answer["citations"])

    gone = httpx.delete(f"{url}/api/admin/documents/{doc_id}", headers=_auth())
    assert gone.status_code == 200 and gone.json()["removed"] == 1
    assert doc_id not in {d["id"] for d in httpx.get(url + "/api/admin/documents", headers=_auth()).json()["documents"]}
    after = httpx.post(url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert not any("quan-lan" in c["source"] for c in after["citations"]) and "7 giờ 15" not in after["answer"]
    assert not list((settings.paths.data_dir / "uploads").glob("*quan-lan*"))
    assert httpx.delete(f"{url}/api/admin/documents/{doc_id}", headers=_auth()).status_code == 404


@pytest.mark.parametrize("name,data,status,code,reason", [
    ("virus.exe", b"MZ\x90\x00", 415, "upload_unsupported", ".exe"),
    ("empty.txt", b"   \n", 422, "upload_rejected", "empty file"),
    ("broken.pdf", b"this is not a pdf at all", 422, "upload_rejected", "unreadable PDF"),
    ("huge.txt", b"a" * 250_000, 413, "upload_too_large", "0.2"),
])
def test_bad_files_are_rejected_with_the_reason(admin: tuple[str, Settings], name: str, data: bytes, status: int,
                                                code: str, reason: str) -> None:
    url, settings = admin
    r = httpx.post(url + "/api/admin/documents", headers=_auth(), files={"file": (name, data)}, timeout=60)
    assert r.status_code == status and r.json()["code"] == code and reason in r.json()["message"], r.text
    assert not (settings.paths.data_dir / "uploads" / name).exists()
    missing = httpx.post(url + "/api/admin/documents", headers=_auth(), files={"other": ("a.txt", b"x")})
    assert missing.status_code == 422 and missing.json()["code"] == "upload_missing"


def test_feedback_and_usage_for_the_operator(admin: tuple[str, Settings]) -> None:
    url, _ = admin
    unanswered = ["Giá vé xe buýt ra đảo Cô Tô là bao nhiêu? Gọi tôi 0912 345 678",
                  "gia ve xe buyt ra dao co to la bao nhieu goi toi 0987654321"]
    for q in unanswered:
        assert httpx.post(url + "/api/ask", json={"question": q}, timeout=60).json()["reason"] == "not_in_documents"
    reply = httpx.post(url + "/api/ask", json={"question": "Đơn thuốc điện tử triển khai từ năm nào?"}, timeout=60).json()
    httpx.post(url + "/api/feedback", json={"reply": reply, "rating": -1, "comment": "Thiếu ngày cụ thể"})
    fb = httpx.get(url + "/api/admin/feedback?rating=-1", headers=_auth()).json()["feedback"]
    assert fb and fb[0]["question"] == reply["question"] and fb[0]["comment"] == "Thiếu ngày cụ thể"
    export = httpx.get(url + "/api/admin/feedback/export", headers=_auth())
    assert export.status_code == 200 and '"category": "feedback"' in export.text

    usage = httpx.get(url + "/api/admin/usage", headers=_auth()).json()
    assert usage["total"] >= 3 and usage["per_day"] and 0 < usage["refusal_rate"] < 1
    assert usage["reasons"]["not_in_documents"]["count"] >= 2
    top = usage["unanswered"][0]
    assert top["count"] == 2 and "***" in top["question"]
    assert "0912 345 678" not in str(usage) and "0987654321" not in str(usage)


def test_personal_numbers_are_masked_and_document_numbers_kept() -> None:
    text = "CCCD 001203004567, điện thoại +84 912.345.678, thẻ BHYT DN4010123456789 theo Nghị định 146/2018/NĐ-CP"
    masked = mask_personal(text)
    assert "001203004567" not in masked and "912.345.678" not in masked and "0123456789" not in masked
    assert "146/2018/NĐ-CP" in masked and masked.count("***") == 3 and "DN40" not in masked
    assert question_key("Giá vé là BAO NHIÊU?") == question_key("gia ve la bao nhieu")


def test_an_upload_of_a_document_already_indexed_is_listed_as_a_copy(admin: tuple[str, Settings]) -> None:
    url, _ = admin
    first = httpx.post(url + "/api/admin/documents", headers=_auth(), timeout=120,
                       files={"file": ("lich-quan-lan.txt", FACT_DOC.encode(), "text/plain")})
    assert first.status_code == 201 and first.json()["copy_of"] is None
    again = httpx.post(url + "/api/admin/documents", headers=_auth(), timeout=120,
                       files={"file": ("ban-sao-lich-quan-lan.txt", FACT_DOC.encode(), "text/plain")})
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["document"] is None and body["copy_of"].endswith("lich-quan-lan.txt") and body["copy_reason"] == "same_text"
    listed = httpx.get(url + "/api/admin/documents", headers=_auth()).json()["documents"]
    copy = next(d for d in listed if d["id"] == body["id"])
    assert copy["status"] == "copy" and copy["copy_of_title"].startswith("Lịch làm việc") and copy["chunks"] == 0
    assert sum(1 for d in listed if d["status"] == "indexed" and d["title"].startswith("Lịch làm việc")) == 1
    assert httpx.delete(f"{url}/api/admin/documents/{first.json()['id']}", headers=_auth()).status_code == 200


SCANNED_DECREE = ("CHÍNH PHỦ\nSố: 77/2024/NĐ-CP\nHà Nội, ngày 01 tháng 7 năm 2024\n\nNGHỊ ĐỊNH\n"
                  "QUY ĐỊNH CHI TIẾT MỘT SỐ ĐIỀU CỦA LUẬT KHÁM BỆNH, CHỮA BỆNH\n\n"
                  "Dieu I Pharn vi dieu chinh Nghi dinh nay quy dinh chi tiet (trang quet, chu bi loi)\n"
                  "I. Nghi dinh nay ap dung doi voi co so kham benh chua benh tren toan quoc.\n")


def test_each_row_opens_its_page_and_an_unreadable_decree_is_flagged(admin: tuple[str, Settings]) -> None:
    url, _ = admin
    up = httpx.post(url + "/api/admin/documents", headers=_auth(), timeout=120,
                    files={"file": ("nd77-quet.txt", SCANNED_DECREE.encode(), "text/plain")})
    assert up.status_code == 201, up.text
    listed = httpx.get(url + "/api/admin/documents", headers=_auth()).json()["documents"]
    row = next(d for d in listed if d["id"] == up.json()["id"])
    assert row["unreadable"] is True and row["url"] == f"/van-ban/{row['page_id']}"
    assert row["source"].endswith("nd77-quet.txt")  # operators see the file name
    page = httpx.get(url + row["url"], timeout=30)
    assert page.status_code == 200 and "nd77-quet" not in page.text  # citizens do not
    news = next(d for d in listed if d["status"] == "indexed" and d is not row)
    assert news["unreadable"] is False and httpx.get(url + news["url"], timeout=30).status_code == 200
    assert httpx.delete(f"{url}/api/admin/documents/{row['id']}", headers=_auth()).status_code == 200
