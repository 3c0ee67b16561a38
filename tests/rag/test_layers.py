"""The layers: rag/ is the core, its packages import only those before them in the order data flows."""

from __future__ import annotations

import ast
from pathlib import Path

from rag.settings import PROJECT_ROOT

# The order data flows: each package imports only packages before it.
FLOW = ("text", "documents", "index", "search", "answer")
# Shared by every stage; they import no stage.
BASE = {"settings", "errors", "logs", "lazy"}
# The entry points (command line, doctor, benchmarks) sit on top and may import any stage.
TOP = {"cli", "doctor", "__main__", "bench"}


def imported(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside a function, as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from rag import safety" names the part in the imported name, not in the module.
            names |= {f"rag.{a.name}" for a in node.names} if node.module == "rag" else {node.module}
    return names


def part_of(module: str) -> str | None:
    """The rag part a dotted name belongs to: 'search' for rag.search.retriever, None outside rag."""
    parts = module.split(".")
    if parts[0] != "rag":
        return None
    return parts[1] if len(parts) > 1 else "rag"


def layer_violations(root: Path) -> list[str]:
    """Imports that run against the flow, as 'file: imports module'."""
    out = []
    for path in sorted((root / "rag").rglob("*.py")):
        rel = path.relative_to(root / "rag").parts
        own = rel[0] if len(rel) > 1 else rel[0].removesuffix(".py")
        for module in sorted(imported(path)):
            top = module.split(".")[0]
            if top in {"app", "eval", "gradio"}:
                out.append(f"{path.relative_to(root)}: imports {module}")
                continue
            part = part_of(module)
            if part is None or part == own or part == "rag" or own in TOP:
                continue
            if part in BASE:
                if own in BASE and part not in {"errors", "settings"}:
                    out.append(f"{path.relative_to(root)}: imports {module}")
                continue
            if part in TOP:
                out.append(f"{path.relative_to(root)}: imports {module}")
            elif own in BASE or part not in FLOW or own not in FLOW or FLOW.index(part) > FLOW.index(own):
                out.append(f"{path.relative_to(root)}: imports {module}")
    return out


def test_rag_packages_import_only_packages_before_them() -> None:
    assert layer_violations(PROJECT_ROOT) == []


def test_every_rag_module_has_a_place() -> None:
    places = set(FLOW) | BASE | TOP | {"__init__"}
    for path in (PROJECT_ROOT / "rag").iterdir():
        name = path.name.removesuffix(".py")
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            assert name in places, f"rag/{path.name} is in no layer: put it in one of {sorted(places)}"


def test_the_check_catches_an_import_back_up(tmp_path: Path) -> None:
    """The layer check itself can fail: an index module importing search, and text importing app."""
    for pkg in ("index", "search", "text"):
        (tmp_path / "rag" / pkg).mkdir(parents=True)
    (tmp_path / "rag" / "index" / "bad.py").write_text(
        "def f():\n    from rag.search.retriever import Retriever\n    return Retriever\n", encoding="utf-8")
    (tmp_path / "rag" / "text" / "worse.py").write_text("import app.routes\n", encoding="utf-8")
    (tmp_path / "rag" / "search" / "fine.py").write_text("from rag.index import keyword\n", encoding="utf-8")
    found = layer_violations(tmp_path)
    assert found == ["rag/index/bad.py: imports rag.search.retriever", "rag/text/worse.py: imports app.routes"]


def test_app_and_eval_do_not_import_each_other() -> None:
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        assert not any(m.split(".")[0] == "eval" for m in imported(path)), path
    for path in (PROJECT_ROOT / "eval").rglob("*.py"):
        assert not any(m.split(".")[0] == "app" for m in imported(path)), path
