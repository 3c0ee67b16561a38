"""One document, one copy: the same law under two file names is indexed once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rag.index.copies import SAME_NUMBER, SAME_TEXT
from rag.index.ingest import ingest_paths, remove_sources
from rag.index.manifest import read_copies
from rag.index.sources import source_name
from rag.index.store import open_manifest
from rag.search.retriever import Retriever
from rag.settings import PROJECT_ROOT
from tests.conftest import cli_env, make_settings

DECREE = """Nghị định số 100/2020/NĐ-CP ngày 01/02/2020 của Chính phủ về cấp thẻ khám bệnh điện tử
Điều 1. Thời hạn cấp thẻ khám bệnh điện tử
Cơ quan bảo hiểm xã hội cấp thẻ khám bệnh điện tử trong thời hạn 10 ngày làm việc kể từ ngày nhận đủ hồ sơ.
Điều 2. Hiệu lực thi hành
Nghị định này có hiệu lực thi hành từ ngày 01 tháng 3 năm 2020.
"""
SIDECAR = 'status = "superseded"\nreplaced_by = "200/2025/NĐ-CP"\neffective_until = 2025-08-01\n'


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_identical_text_and_same_number_are_indexed_once(tmp_path: Path, cache_dir: Path) -> None:
    settings = make_settings(tmp_path / "data", cache_dir)
    docs = tmp_path / "docs"
    first = _write(docs, "a-nd100.md", DECREE)
    same_text = _write(docs, "b-nd100-copy.md", DECREE)
    # Another export of the same decree: one more line at the end, same số hiệu and date of issue.
    same_number = _write(docs, "c-nd100-export.txt", DECREE + "Nơi nhận: các Bộ, cơ quan ngang Bộ.\n")
    report = ingest_paths(settings, [docs], progress=False)
    assert report.documents == 1
    assert {(c.source, c.kept, c.reason) for c in report.copies} == {
        (source_name(same_text), source_name(first), SAME_TEXT),
        (source_name(same_number), source_name(first), SAME_NUMBER)}
    # The index answers from one copy, and the skipped ones are recorded for the admin console.
    index = Retriever(settings).keyword()
    assert list(index.docs) == [source_name(first)]
    manifest = open_manifest(settings, Retriever(settings).embedder.identity, create=False)
    assert [c["source"] for c in read_copies(manifest)] == sorted([source_name(same_text), source_name(same_number)])
    # Again: nothing changes. Removing the copy's file forgets its record.
    again = ingest_paths(settings, [docs], progress=False)
    assert again.documents == 1 and len(again.copies) == 2
    same_text.unlink()
    ingest_paths(settings, [docs], progress=False)
    assert [c["source"] for c in read_copies(manifest)] == [source_name(same_number)]
    remove_sources(settings, [source_name(same_number)])
    assert read_copies(manifest) == []


def test_the_copy_with_a_sidecar_is_kept_and_its_validity_stands(tmp_path: Path, cache_dir: Path) -> None:
    settings = make_settings(tmp_path / "data", cache_dir)
    docs = tmp_path / "docs"
    bare = _write(docs, "a-bare.md", DECREE)
    report = ingest_paths(settings, [docs], progress=False)
    assert report.documents == 1 and not report.copies
    described = _write(docs, "b-with-sidecar.md", DECREE)
    _write(docs, "b-with-sidecar.md.meta.toml", SIDECAR)
    report = ingest_paths(settings, [docs], progress=False)
    assert [(c.source, c.kept) for c in report.copies] == [(source_name(bare), source_name(described))]
    index = Retriever(settings).keyword()
    assert list(index.docs) == [source_name(described)]
    hit = Retriever(settings).search("Thời hạn cấp thẻ khám bệnh điện tử là bao lâu?")[0]
    assert hit.source == source_name(described) and hit.document()["status"] == "superseded"


def test_rag_ingest_says_which_file_was_kept(tmp_path: Path, cache_dir: Path) -> None:
    settings = make_settings(tmp_path / "data", cache_dir)
    docs = tmp_path / "docs"
    _write(docs, "a.md", DECREE)
    _write(docs, "b.md", DECREE)
    out = subprocess.run([sys.executable, "-m", "rag", "ingest", str(docs)], capture_output=True, text=True,
                         env=cli_env(settings), cwd=PROJECT_ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    assert f"skipped copy: {source_name(docs / 'b.md')}: same text as {source_name(docs / 'a.md')} (kept)" in out.stderr
    assert "copies=1" in out.stdout
