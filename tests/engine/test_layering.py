"""Layers point one way: the engine is the maths, and knows nothing of the drawing, Graphviz,
processes or the web app (read from the imports of engine/*.py, without running them).

One exception: the engine runs without the drawing package; its notebook display reaches for
it only when asked. `Trace._repr_mimebundle_`, `Trace.step` and `Trace.widget` import
`drawing.notebook` inside the method, and nothing else of the drawing is imported anywhere."""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"subprocess", "graphviz", "drawing", "app", "fastapi", "starlette", "uvicorn"}
# (file, module, function): the only forbidden imports allowed, each inside that function.
NOTEBOOK_DISPLAY = {("trace.py", "drawing.notebook", name) for name in ("_repr_mimebundle_", "step", "widget")}


def imports_with_place(path: Path) -> set[tuple[str, str | None]]:
    """Every module a file imports, with the function whose body imports it (None: the module
    level, a class body, or anywhere else outside a function)."""
    found: set[tuple[str, str | None]] = set()

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, ast.Import):
            found.update((alias.name, function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module, function))
        for child in ast.iter_child_nodes(node):
            visit(child, child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), None)
    return found


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (inside functions too)."""
    return {module for module, _ in imports_with_place(path)}


def forbidden_imports(paths: list[Path]) -> set[str]:
    return {f"{path.name}: {module}" + (f" (in {function})" if function else " (at module level)")
            for path in paths for module, function in imports_with_place(path)
            if module.split(".")[0] in FORBIDDEN and (path.name, module, function) not in NOTEBOOK_DISPLAY}


def test_the_engine_imports_no_drawing_no_graphviz_no_subprocess_no_app():
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) > 5
    bad = forbidden_imports(files)
    assert not bad, sorted(bad)


def test_the_notebook_display_is_the_one_lazy_import_of_the_drawing():
    found = imports_with_place(ENGINE / "trace.py")
    assert {(m, f) for _, m, f in NOTEBOOK_DISPLAY} <= found


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from drawing.cli import main\n    import subprocess as sp\n")
    assert imported_modules(sample) == {"drawing.cli", "subprocess"}
    assert forbidden_imports([sample]) == {"sample.py: drawing.cli (in f)", "sample.py: subprocess (in f)"}


def test_the_notebook_display_is_allowed_only_inside_its_methods(tmp_path):
    # trace.py's name, with drawing.notebook imported at module level and in another function
    trace_py = tmp_path / "trace.py"
    trace_py.write_text("from drawing.notebook import graph_bundle\n"
                        "class Trace:\n"
                        "    def step(self, k):\n        from drawing.notebook import StepView\n"
                        "    def to_dict(self):\n        from drawing.notebook import describe\n"
                        "    def widget(self):\n        from drawing.player import player_html\n")
    assert forbidden_imports([trace_py]) == {
        "trace.py: drawing.notebook (at module level)", "trace.py: drawing.notebook (in to_dict)",
        "trace.py: drawing.player (in widget)"}
