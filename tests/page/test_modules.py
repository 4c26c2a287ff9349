"""The page's ES modules as files: every import resolves to a module that exports the
names imported, the imports form no cycle, and no module outgrows a few screens."""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
MAX_LINES = 450

IMPORT = re.compile(r'^import\s+(?:\{([^}]*)\}\s+from\s+)?"([^"]+)";', re.M)
EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)", re.M)


def modules() -> dict[Path, str]:
    """Every script of ours under static/ (third-party code under static/vendor/ is not)."""
    return {p: p.read_text(encoding="utf-8") for p in sorted(STATIC.rglob("*.js"))
            if "vendor" not in p.relative_to(STATIC).parts}


def imports(path: Path, text: str) -> list[tuple[Path, list[str]]]:
    out = []
    for names, target in IMPORT.findall(text):
        assert target.startswith("./") or target.startswith("../"), f"{path.name}: import {target!r} is not relative"
        imported = [n.strip().split(" as ")[0].strip() for n in names.split(",") if n.strip()]
        out.append(((path.parent / target).resolve(), imported))
    return out


def test_the_page_is_an_entry_module_and_its_modules():
    found = modules()
    assert STATIC / "studio.js" in found and len([p for p in found if p.parent == STATIC / "studio"]) >= 10
    html = (STATIC.parent / "templates" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script type="module" src="[^"]*studio\.js[^"]*"></script>', html)


def test_every_import_resolves_to_an_exported_name():
    found = modules()
    for path, text in found.items():
        for target, names in imports(path, text):
            if "vendor" in target.relative_to(STATIC).parts:     # a vendored ES module: it must be there
                assert target.is_file(), f"{path.name} imports {target.name}, which is not vendored"
                continue
            assert target in found, f"{path.name} imports {target.name}, which does not exist"
            exported = set(EXPORT.findall(found[target]))
            missing = [n for n in names if n not in exported]
            assert not missing, f"{path.name} imports {missing} from {target.name}, which does not export them"


def test_the_modules_import_no_cycle():
    found = modules()
    graph = {p: [t for t, _ in imports(p, text)] for p, text in found.items()}
    done: set[Path] = set()

    def visit(p: Path, trail: list[Path]) -> None:
        if p in trail:
            cycle = trail[trail.index(p):] + [p]
            raise AssertionError("import cycle: " + " -> ".join(q.name for q in cycle))
        if p in done:
            return
        for q in graph.get(p, []):
            visit(q, trail + [p])
        done.add(p)

    for p in graph:
        visit(p, [])


def test_no_module_is_over_450_lines():
    too_long = {p.name: text.count("\n") for p, text in modules().items() if text.count("\n") > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"


def test_every_script_parses():
    """Each of our scripts is valid JavaScript (Node parses it as a module, as the browser
    does): a broken brace is caught here, before a browser shows a blank page."""
    import shutil
    import subprocess
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is missing: bash scripts/setup.sh --test installs it"
    for path in modules():
        r = subprocess.run([node, "--input-type=module", "--check"], input=path.read_bytes(), capture_output=True,
                           timeout=60)
        assert r.returncode == 0, f"{path.relative_to(STATIC)}: {r.stderr.decode(errors='replace')[:400]}"
