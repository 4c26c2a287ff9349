"""Layers point one way: the engine is the maths, and knows nothing of the drawing, Graphviz,
processes or the web app (read from the imports of engine/*.py, without running them)."""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"subprocess", "graphviz", "drawing", "app", "fastapi", "starlette", "uvicorn"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_engine_imports_no_drawing_no_graphviz_no_subprocess_no_app():
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) > 5
    bad = {f"{path.name}: {module}" for path in files for module in imported_modules(path)
           if module.split(".")[0] in FORBIDDEN}
    assert not bad, sorted(bad)


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from drawing.cli import main\n    import subprocess as sp\n")
    assert imported_modules(sample) == {"drawing.cli", "subprocess"}
