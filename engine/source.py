"""Reading a program's text from a file or standard input, the same way for every command."""
from __future__ import annotations

import sys


def read_source(path: str) -> str:
    """The text of the file at ``path`` (``-``: standard input), decoded as UTF-8.

    A leading byte order mark is dropped: editors on Windows save "UTF-8 with BOM". Standard
    input is read as bytes, so the locale's encoding cannot change the text.
    """
    if path == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        text = stdin.read().decode("utf-8") if stdin is not None else sys.stdin.read()
        return text.removeprefix("\ufeff")
    with open(path, encoding="utf-8-sig") as f:
        return f.read()
