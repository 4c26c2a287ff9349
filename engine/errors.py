"""The one error type that crosses the engine's boundary."""
from __future__ import annotations

from .i18n import Msg


class ProgramError(Exception):
    """A bad program: what is wrong and where (line and column, both counted from 1)."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = max(1, int(line))
        self.col = max(1, int(col))

    def __str__(self) -> str:
        return f"line {self.line}, col {self.col}: {self.message}"

    def to_dict(self) -> dict:
        return {"line": self.line, "col": self.col, "message": self.message}


class ShapeError(ValueError):
    """Raised by an op's shape rule; the builder adds the location."""


class SpecError(ValueError):
    """A bad training request: which field (`runs[0].betas`, `steps`) and what is wrong with it.
    `problem` is a catalogue message (or English text); `message` and `str(err)` are English,
    `msg` is the whole message as a `Msg`, to be told in the language a request asks for."""

    def __init__(self, field: str, problem: str | Msg) -> None:
        english = problem.text("en") if isinstance(problem, Msg) else problem
        super().__init__(f"{field}: {english}")
        self.field = field
        self.problem = problem
        self.message = f"{field}: {english}"
        self.msg = Msg("train.error.field", {"field": field, "problem": problem})
