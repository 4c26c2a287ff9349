"""How a shape reads, in error messages and on the nodes of the graph."""
from __future__ import annotations

from typing import Literal, Sequence

ShapeStyle = Literal["tuple", "times", "words"]


def fmt_shape(shape: Sequence[int], style: ShapeStyle = "tuple") -> str:
    """A shape as text, in one of three styles:

    - ``tuple``: ``scalar``, ``(4,)``, ``(4, 10)``, as numpy prints it (messages, labels);
    - ``times``: ``1``, ``4``, ``4×10`` (a size inside a sentence);
    - ``words``: ``scalar``, ``vector 4``, ``4×10`` (a node's shape line in the graph).
    """
    if style == "tuple":
        if not shape:
            return "scalar"
        return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    if style == "words":
        if not shape:
            return "scalar"
        if len(shape) == 1:
            return f"vector {shape[0]}"
    elif style != "times":
        raise ValueError(f"unknown shape style {style!r}")
    return "×".join(str(n) for n in shape) if shape else "1"


def dims(shape: Sequence[int]) -> str:
    """``fmt_shape(shape, "times")``: ``4×10``, or ``1`` for a scalar."""
    return fmt_shape(shape, "times")
