"""The `backprop-studio` console script as pyproject.toml declares it, run on this checkout.

pip's wrapper only imports the declared function and calls it; running that function in a
fresh interpreter with the checkout first on sys.path tests this code, not whatever copy
of the package an earlier `pip install` pointed the installed wrapper at.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def entry_point() -> tuple[str, str]:
    """(module, function) of `backprop-studio` in pyproject.toml's [project.scripts]."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'^backprop-studio\s*=\s*"([\w.]+):(\w+)"', text, re.M)
    assert m, "pyproject.toml declares no backprop-studio script"
    return m[1], m[2]


def console_script() -> list[str]:
    """The command that runs `backprop-studio` (append its arguments)."""
    module, function = entry_point()
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); sys.argv[0] = 'backprop-studio'; "
            f"from {module} import {function}; sys.exit({function}())")
    return [sys.executable, "-c", code]
