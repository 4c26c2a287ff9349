"""Read the numbers the README promises, so tests check the code against the README itself.

A test that takes its expected value from the constant it checks cannot notice the constant
changing; these helpers take it from the text a user reads instead.
"""
from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")

_UNITS = {"MiB": 1024**2, "GiB": 1024**3, "s": 1}


def section(title: str) -> str:
    """The text under the heading ``## title`` (or ``**title**``), up to the next ``## ``."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert m, f"README has no section '## {title}'"
    return m.group(1)


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in ``text``: a list of rows (header first, the --- row left out),
    each a list of stripped cells."""
    found: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue
            if current is None:
                current = []
                found.append(current)
            current.append(cells)
        else:
            current = None
    return found


def number(text: str) -> float:
    """The first number in ``text``: ``4,000,000 characters`` → 4000000, ``1e300`` → 1e300,
    ``8 MiB`` → 8388608, ``15 s`` → 15."""
    m = re.search(r"(\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?)\s*(MiB|GiB|s\b)?", text)
    assert m, f"no number in {text!r}"
    value = float(m.group(1).replace(",", ""))
    return value * _UNITS[m.group(2)] if m.group(2) else value


def numbers(text: str) -> list[float]:
    """The numbers of a cell such as ``4,000 / 600 / 50,000`` or ``2 / 1``, in order."""
    return [number(part) for part in text.split("/")]


def promised(pattern: str, text: str = README) -> str:
    """The first group of ``pattern`` in the README (a promise worded as it is written)."""
    m = re.search(pattern, text, re.S)
    assert m, f"the README no longer says {pattern!r}"
    return m.group(1)
