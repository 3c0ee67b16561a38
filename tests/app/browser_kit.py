"""What the browser tests share: Debian's Chromium (headless), axe-core from the npm registry, artifacts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
NEEDS_CHROMIUM = [pytest.mark.browser,
                  pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium)")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


AXE_VERSION = "4.14.1"


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core from the npm registry (cached under test-artifacts/)."""
    import subprocess
    import tarfile

    target = ARTIFACTS / f"axe-core-{AXE_VERSION}.min.js"
    if not target.exists():
        ARTIFACTS.mkdir(exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed (apt-get install npm): axe-core comes from the npm registry")
        done = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", str(ARTIFACTS)],
                              capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            pytest.skip(f"npm could not fetch axe-core: {done.stderr.strip()[:200]}")
        with tarfile.open(ARTIFACTS / f"axe-core-{AXE_VERSION}.tgz") as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            target.write_bytes(member.read())
    return target.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now (open Shadow DOM included)."""
    page.evaluate(source)  # evaluated by the browser's debugger protocol: the page's CSP does not apply
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))")
    return found


