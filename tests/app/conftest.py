from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.bench import serve_in_thread
from app.server import create_app
from rag.answer.assistant import Assistant
from rag.index.ingest import ingest_paths
from rag.settings import Settings, SiteSettings
from tests.app.browser_kit import axe_source, browser  # noqa: F401  (fixtures of the browser tests)
from tests.conftest import make_settings
from tests.fakes import free_port

TOKEN = "adm-7Qx-token-for-tests-91"


@pytest.fixture(scope="session")
def other_origin_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def app_settings(seeded_settings: Settings, other_origin_port: int) -> Settings:
    s = seeded_settings.model_copy(deep=True)
    s.server.index_on_start = False
    s.server.ip_rate_per_minute = 1000
    s.server.sites = {
        "demo": SiteSettings(origins=[f"http://127.0.0.1:{other_origin_port}"], rate_per_minute=1000,
                             max_question_chars=300),
        "tiny": SiteSettings(origins=["http://tiny.test"], rate_per_minute=2),
    }
    return s


@pytest.fixture(scope="session")
def live_server(app_settings: Settings, assistant: Assistant) -> Iterator[str]:
    port = free_port()
    server: Any = serve_in_thread(create_app(app_settings, assistant=assistant), port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True


def small_index(root: Path, cache_dir: Path) -> Settings:
    """Settings of a one-document index under root (admin token set): for tests that change the index."""
    docs = root / "docs"
    docs.mkdir()
    (docs / "intro.txt").write_text("Tin y tế\n\nĐơn thuốc điện tử được triển khai tại các bệnh viện trong tỉnh từ "
                                    "năm 2025 theo hướng dẫn của Bộ Y tế.\n", encoding="utf-8")
    settings = make_settings(root / "data", cache_dir)
    settings.paths.seeds_dir = docs
    settings.server.index_on_start = False
    settings.server.ip_rate_per_minute = 1000
    settings.admin.token = SecretStr(TOKEN)
    ingest_paths(settings, [docs], progress=False)
    return settings


@pytest.fixture(scope="session")
def admin(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[tuple[str, Settings]]:
    settings = small_index(tmp_path_factory.mktemp("admin"), cache_dir)
    settings.admin.upload_max_bytes = 200_000
    port = free_port()
    server: Any = serve_in_thread(create_app(settings, assistant=Assistant(settings), with_ui=False), port)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
