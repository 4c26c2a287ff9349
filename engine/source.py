"""A program's text: read from a file or standard input the same way for every command, and
its line breaks written one way before it is parsed."""
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


def one_line_break(source: str) -> str:
    """``source`` with each line break Python's parser accepts (``\\r\\n``, a lone ``\\r``)
    written as ``\\n``, so lines split on ``\\n`` are the lines `ast` numbers.

    Python reads no other character as a line break (form feed, ``\\x85``, ``\\u2028`` and the
    rest of what `str.splitlines` splits on are refused in code and kept in comments), so
    they stay as they are. Columns do not move: a ``\\r`` only ever ends a line.
    """
    if "\r" not in source:
        return source
    return source.replace("\r\n", "\n").replace("\r", "\n")
