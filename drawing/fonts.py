"""The font files the exports draw their texts with: DejaVu Sans for Latin text and the
symbols (∂, ×, Σ, δ), NanumGothic for Hangul (Korean texts and nodes named in Korean).

A character is set in the Korean font when it is East Asian wide (Hangul syllables and
jamo, CJK ideographs, full-width forms): DejaVu Sans has none of them. Graphviz finds the
same fonts through fontconfig (drawing/style.py's FONT).
"""
from __future__ import annotations

import os
import unicodedata

from .errors import RenderError

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/truetype/nanum",
             "/usr/share/fonts/nanum", "/usr/share/fonts/TTF", "/usr/local/share/fonts",
             "/opt/homebrew/share/fonts", "/Library/Fonts", os.path.expanduser("~/Library/Fonts"),
             os.path.expanduser("~/.fonts"), os.path.expanduser("~/.local/share/fonts"))
LATIN = (("DejaVuSans.ttf",), ("DejaVuSans-Bold.ttf",))
# Debian's fonts-nanum names, then Google Fonts' (Homebrew's font-nanum-gothic cask)
KOREAN = (("NanumGothic.ttf", "NanumGothic-Regular.ttf"), ("NanumGothicBold.ttf", "NanumGothic-Bold.ttf"))
KOREAN_FAMILY = "NanumGothic"
FONT_HINT = ("The walkthrough writes its text in DejaVu Sans, which is not installed here: "
             "`sudo apt-get install fonts-dejavu-core` (Debian/Ubuntu) or "
             "`brew install --cask font-dejavu` (macOS).")
KOREAN_FONT_HINT = ("Korean text needs the NanumGothic font, which is not installed here: "
                    "`sudo apt-get install fonts-nanum` (Debian/Ubuntu) or "
                    "`brew install --cask font-nanum-gothic` (macOS).")


def _find(names: tuple[str, ...], hint: str) -> str:
    for name in names:
        for folder in FONT_DIRS:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                return path
    raise RenderError(hint)


def font_file(bold: bool = False) -> str:
    """The path of DejaVu Sans (or its bold): it has every symbol the texts use (∂, ×, Σ, δ)."""
    return _find(LATIN[bold], FONT_HINT)


def korean_font_file(bold: bool = False) -> str:
    """The path of NanumGothic (or its bold), for Hangul."""
    return _find(KOREAN[bold], KOREAN_FONT_HINT)


def is_wide(ch: str) -> bool:
    """A character drawn a full em wide, in the Korean font (Hangul, CJK, full-width forms)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def needs_korean(*texts: str) -> bool:
    """Whether any of the texts has a character only the Korean font has."""
    return any(is_wide(ch) for text in texts for ch in text)


def runs(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into runs of one font each: (the run, whether it is set in the Korean font)."""
    out: list[tuple[str, bool]] = []
    for ch in text:
        wide = is_wide(ch)
        if out and out[-1][1] == wide:
            out[-1] = (out[-1][0] + ch, wide)
        else:
            out.append((ch, wide))
    return out
