"""The studio's texts in each language: one catalogue per language (`catalogue/<lang>.json`,
a flat map of dotted keys to templates), and the one way a template is filled.

A template's placeholders are `{name}`; `fill` replaces those named in its arguments and
leaves the others (`{x}`, `{o}` in a rule are filled later with the nodes' names). The page
fills the same templates the same way (`static/studio/i18n.js`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping, Union

LANGS = ("en", "ko")
DEFAULT_LANG = "en"
CATALOGUE_DIR = Path(__file__).with_name("catalogue")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The texts of `lang` (a `LANGS` member), key → template."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
    return json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(template: str) -> set[str]:
    """The names a template takes."""
    return set(PLACEHOLDER.findall(template))


def fill(template: str, args: Mapping[str, Any]) -> str:
    """`template` with each `{name}` in `args` replaced by its text; other braces kept."""
    if not args:
        return template
    return PLACEHOLDER.sub(lambda m: str(args[m[1]]) if m[1] in args else m[0], template)


def text(key: str, lang: str = DEFAULT_LANG, /, **args: Any) -> str:
    """The text of `key` in `lang`, filled; arguments that are `Msg`s are told in `lang` too.
    A key missing in `lang` is an error (the catalogue test keeps the languages complete)."""
    return fill(catalogue(lang)[key], {k: v.text(lang) if isinstance(v, Msg) else v for k, v in args.items()})


@dataclass(frozen=True)
class Msg:
    """A text not yet told in a language: a catalogue key and its arguments (strings, numbers
    already formatted, or other `Msg`s). The JSON form `{"key", "args"}` is filled by the page."""
    key: str
    args: Mapping[str, Union[str, "Msg"]] = field(default_factory=dict)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        return text(self.key, lang, **self.args)

    def to_json(self) -> dict:
        return {"key": self.key,
                "args": {k: v.to_json() if isinstance(v, Msg) else v for k, v in self.args.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Msg":
        """The `Msg` of a `to_json()` form (nested messages are `{"key", "args"}` objects)."""
        return cls(data["key"], {k: cls.from_json(v) if isinstance(v, Mapping) else v
                                 for k, v in data.get("args", {}).items()})


def msg(key: str, **args: Union[str, "Msg"]) -> Msg:
    return Msg(key, args)


def lang_of(value: str | None) -> str:
    """The language a request names (`"ko"`, `"ko-KR"`, an Accept-Language header such as
    `"ko-KR,ko;q=0.9,en;q=0.8"`): the first it prefers that the studio speaks, else English."""
    if not value:
        return DEFAULT_LANG
    ranked = []
    for i, part in enumerate(value.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, i, tag.strip().lower().split("-")[0]))
    for _, _, base in sorted(ranked):
        if base in LANGS:
            return base
    return DEFAULT_LANG
