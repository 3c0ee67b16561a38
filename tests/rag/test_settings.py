import ast
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from rag.answer.prompts import Prompts
from rag.errors import PromptError
from rag.settings import PROJECT_ROOT, Settings, env_names


def test_env_example_lists_every_setting() -> None:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    listed = {m.group(1) for m in re.finditer(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M)}
    expected = set(env_names()) | {"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"}
    assert listed == expected


def test_every_setting_is_described() -> None:
    def walk(model: type[BaseModel]) -> None:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            ann = field.annotation
            if isinstance(ann, type) and hasattr(ann, "model_fields"):
                walk(ann)

    walk(Settings)


def test_openai_variables_map_to_llm_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_MODEL", "qwen2.5")
    monkeypatch.setenv("HOIDAP_RETRIEVE__TOP_K", "7")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.llm.base_url == "http://127.0.0.1:9/v1" and s.llm.model == "qwen2.5" and s.retrieve.top_k == 7


def test_prompts_render_strictly(tmp_path: Path) -> None:
    (tmp_path / "t.md").write_text("Câu hỏi: ${question}", encoding="utf-8")
    p = Prompts(tmp_path)
    assert p.render("t", question="x") == "Câu hỏi: x"
    with pytest.raises(PromptError):
        p.render("t")
    with pytest.raises(PromptError):
        p.raw("missing")


def test_only_settings_reads_the_environment() -> None:
    for pkg in ("rag", "app", "eval"):
        for path in (PROJECT_ROOT / pkg).rglob("*.py"):
            if path.name == "settings.py":
                continue
            assert "os.environ" not in path.read_text(encoding="utf-8") and "getenv" not in path.read_text(
                encoding="utf-8"), path


_VI = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def test_no_vietnamese_prose_in_code() -> None:
    """User-facing Vietnamese lives in prompts/ and lexicon files, not in string literals."""
    for pkg in ("rag", "app", "eval"):
        for path in (PROJECT_ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
            for node in ast.walk(tree):
                if id(node) in docstrings:
                    continue  # examples in docstrings document behaviour; they are not shown to users
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and _VI.search(node.value):
                    words = node.value.split()
                    prose = len(words) >= 5 and not re.search(r"[\\|()\[\]{}^$*+?]", node.value)
                    assert not prose, f"{path}: {node.value[:60]!r}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert f"```bash\n{ci}\n```" in readme
