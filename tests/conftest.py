"""Shared fixtures: offline guard, isolated settings, one seeded index per session."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.settings import PROJECT_ROOT, Settings, apply_process_env

apply_process_env()

_LOOPBACK = ("127.", "::1", "localhost")


def _allowed(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith(_LOOPBACK)
    return isinstance(address, (str, bytes))  # unix sockets


@pytest.fixture(autouse=True, scope="session")
def block_network() -> Iterator[None]:
    """Tests run offline: any connection beyond loopback fails loudly."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(self: socket.socket, address: object) -> object:
        if not _allowed(address):
            raise OSError(f"network blocked in tests: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    def guard_ex(self: socket.socket, address: object) -> int:
        if not _allowed(address):
            raise OSError(f"network blocked in tests: {address!r}")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = guard  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guard_ex  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh embedding cache, so CI embeds for real; HOIDAP_TEST_CACHE_DIR reuses one between local runs."""
    reuse = os.environ.get("HOIDAP_TEST_CACHE_DIR")
    return Path(reuse) if reuse else tmp_path_factory.mktemp("embed-cache")


def make_settings(data_dir: Path, cache_dir: Path, **overrides: object) -> Settings:
    """Settings isolated from the developer's .env and environment."""
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    s.paths.data_dir = data_dir
    s.paths.cache_dir = cache_dir
    s.llm.provider = "extractive"
    s.llm.api_key = None
    s.llm.base_url = None
    for dotted, value in overrides.items():
        group, field = dotted.split("__")
        setattr(getattr(s, group), field, value)
    return s


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a `python -m …` subprocess that uses these settings, not the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOIDAP_", "OPENAI_"))}
    env.update({"HOIDAP_PATHS__DATA_DIR": str(settings.paths.data_dir),
                "HOIDAP_PATHS__CACHE_DIR": str(settings.paths.cache_dir), "HOIDAP_LLM__PROVIDER": "extractive", **extra})
    return env


@pytest.fixture(scope="session")
def seeded_settings(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Settings:
    from rag.index.ingest import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("seeded"), cache_dir)
    report = ingest_paths(settings, [PROJECT_ROOT / "seeds"], progress=False)
    assert report.documents == 9 and not report.skipped
    return settings


@pytest.fixture(scope="session")
def assistant(seeded_settings: Settings):  # type: ignore[no-untyped-def]
    from rag.answer.assistant import Assistant

    return Assistant(seeded_settings)
