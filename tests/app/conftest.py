from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.bench import serve_in_thread
from app.server import create_app
from rag.answer import Assistant
from rag.settings import Settings, SiteSettings
from tests.fakes import free_port


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
