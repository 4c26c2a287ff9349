"""Running Graphviz's programs (`dot`, `neato`) on DOT source, killed past a timeout.

The only module of the drawing that starts a process.
"""
from __future__ import annotations

import shutil
import subprocess

from .errors import GraphvizMissing, RenderError

DOT_TIMEOUT_S: float = 30       # seconds one Graphviz run may take


def set_timeout(seconds: float) -> None:
    """Let each Graphviz run of this process take at most ``seconds``."""
    global DOT_TIMEOUT_S
    DOT_TIMEOUT_S = seconds


def graphviz_available() -> bool:
    """True when both programs the drawing runs are on PATH."""
    return shutil.which("dot") is not None and shutil.which("neato") is not None


def run_graphviz(program: str, args: list[str], source: str) -> bytes:
    """Graphviz's ``program`` on ``source``; its output. Killed past :data:`DOT_TIMEOUT_S`."""
    exe = shutil.which(program)
    if exe is None:
        raise GraphvizMissing()
    try:
        done = subprocess.run([exe, *args], input=source.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise GraphvizMissing() from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz took longer than {DOT_TIMEOUT_S} s to draw this graph") from exc
    if done.returncode != 0:
        raise RenderError("Graphviz failed: " + done.stderr.decode("utf-8", "replace").strip()[:300])
    return done.stdout


FFMPEG_HINT = (
    "MP4 walkthroughs need ffmpeg, which is not installed here. Install it with "
    "`sudo apt-get install ffmpeg` (Debian/Ubuntu) or `brew install ffmpeg` (macOS), or "
    "choose GIF, which needs nothing extra.")


def ffmpeg_available() -> bool:
    """True when ffmpeg is on PATH (MP4 walkthroughs need it)."""
    return shutil.which("ffmpeg") is not None


def run_ffmpeg(args: list[str], timeout: float) -> None:
    """ffmpeg with ``args`` (files in, a file out), killed past ``timeout`` seconds."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RenderError(FFMPEG_HINT)
    try:
        done = subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
                              capture_output=True, timeout=max(1.0, timeout), check=False)
    except FileNotFoundError as exc:
        raise RenderError(FFMPEG_HINT) from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError("ffmpeg took too long to write this video; choose a shorter range") from exc
    if done.returncode != 0:
        raise RenderError("ffmpeg failed: " + done.stderr.decode("utf-8", "replace").strip()[:300])
