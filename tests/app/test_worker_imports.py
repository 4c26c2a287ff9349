"""The worker side (app/jobs.py, app/workers.py) does not depend on the HTTP layer."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def app_imports(module: str) -> set[str]:
    """The app modules `module` imports (anywhere in its text, function bodies too)."""
    found = set()
    for node in ast.walk(ast.parse((APP / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:                 # from .x import y / from . import x
                found |= {node.module} if node.module else {a.name for a in node.names}
            elif node.module and node.module.startswith("app."):
                found.add(node.module.split(".")[1])
            elif node.module == "app":
                found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("app.")}
    return {m for m in found if (APP / f"{m}.py").exists()}


def reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(app_imports(m))
    return seen


def test_the_worker_side_does_not_import_the_routes_or_the_app() -> None:
    for module in ("jobs", "workers"):
        reached = reachable(module)
        assert "jobs" in reachable("workers")            # the reader sees the lazy import
        assert not reached & {"routes", "main", "schemas"}, (module, sorted(reached))
