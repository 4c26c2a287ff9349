"""The one error type that crosses the engine's boundary."""
from __future__ import annotations


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
    """A bad training request: which field (`runs[0].betas`, `steps`) and what is wrong with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"
