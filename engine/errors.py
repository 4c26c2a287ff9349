"""The one error type that crosses the engine's boundary, and the texts errors carry.

Each error keeps its English text (`message`, `str(err)`) and, when its words come from the
catalogue, a `msg` (`engine.i18n.Msg`) that tells it in any language: `told(err, lang)`.
"""
from __future__ import annotations

from typing import Union

from .i18n import Msg


def _split(message: Union[str, Msg]) -> tuple[str, Msg | None]:
    """The English text of a message and its `Msg` (None for a text with no catalogue key)."""
    if isinstance(message, Msg):
        return message.text("en"), message
    return message, None


def told(err: BaseException, lang: str = "en") -> str:
    """An error's message in `lang`: its `msg` told, else its English `message` (or `str`)."""
    m = getattr(err, "msg", None)
    if isinstance(m, Msg):
        return m.text(lang)
    return getattr(err, "message", None) or str(err)


class ProgramError(Exception):
    """A bad program: what is wrong and where (line and column, both counted from 1)."""

    def __init__(self, message: Union[str, Msg], line: int = 1, col: int = 1) -> None:
        message, self.msg = _split(message)
        super().__init__(message)
        self.message = message
        self.line = max(1, int(line))
        self.col = max(1, int(col))

    def __str__(self) -> str:
        return f"line {self.line}, col {self.col}: {self.message}"

    def text(self, lang: str = "en") -> str:
        """`str(self)` in `lang`: where, then what is wrong."""
        if lang == "en" or self.msg is None:
            return str(self)
        from .i18n import text
        return text("error.where", lang, line=str(self.line), col=str(self.col), message=told(self, lang))

    def to_dict(self, lang: str = "en") -> dict:
        return {"line": self.line, "col": self.col, "message": told(self, lang)}


class ShapeError(ValueError):
    """Raised by an op's shape rule; the builder adds the location."""

    def __init__(self, message: Union[str, Msg]) -> None:
        message, self.msg = _split(message)
        super().__init__(message)
        self.message = message


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
