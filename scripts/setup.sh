#!/usr/bin/env bash
# Installs what Backprop Studio needs and is missing: a virtualenv (.venv) with the project,
# Graphviz's `dot`, a Korean font (NanumGothic) for the exports, and with --test the test extras, Debian's Chromium for the browser tests,
# Node.js for the KaTeX test, ffmpeg for the MP4 walkthrough and poppler-utils to read PDFs.
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Python ------------------------------------------------------------------------------
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
  say "Python 3.10 or newer is needed: install it (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python) and run this again."
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  say "Python 3.10 or newer is needed; $PY is $("$PY" -V 2>&1). Set PYTHON=/path/to/python3.11 and run this again."
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv || { say "could not create a virtualenv: on Debian/Ubuntu install python3-venv"; exit 1; }
fi
extras=""
[ $want_test = 1 ] && extras="[test]"
stamp=".venv/.installed$(echo "$extras" | tr -d '[]')-$(cksum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
  say "installing the project${extras:+ with $extras} into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
  touch "$stamp"
fi

# --- system packages ---------------------------------------------------------------------
# install_pkg COMMAND DEBIAN_PACKAGE BREW_PACKAGE: make COMMAND available, or say how.
apt_updated=0
install_pkg() {
  local cmd=$1 deb=$2 brew=$3
  command -v "$cmd" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; }; then
    say "installing $deb with apt-get"
    if [ $apt_updated = 0 ]; then $sudo apt-get update -qq >/dev/null && apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $deb >/dev/null
  elif [ -n "$brew" ] && command -v brew >/dev/null 2>&1; then
    say "installing $brew with brew"
    brew install "$brew" >/dev/null
  fi
  command -v "$cmd" >/dev/null 2>&1 && return 0
  say "'$cmd' is missing and could not be installed here. Install it yourself:"
  say "  Debian/Ubuntu: sudo apt-get install $deb${brew:+    macOS: brew install $brew}"
  return 1
}

dot_ok=1
install_pkg dot "graphviz fonts-dejavu-core" graphviz || dot_ok=0
# Korean texts in the drawings and the walkthroughs (PDF, PPTX, GIF, MP4) are set in
# NanumGothic: Debian's fonts-nanum, or on macOS Homebrew's font-nanum-gothic cask.
korean_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko family 2>/dev/null)" ] && return 0
  for f in /usr/share/fonts/truetype/nanum/NanumGothic.ttf /usr/share/fonts/nanum/NanumGothic.ttf \
           /Library/Fonts/NanumGothic-Regular.ttf "$HOME/Library/Fonts/NanumGothic-Regular.ttf"; do
    [ -f "$f" ] && return 0
  done
  return 1
}
install_font() {
  korean_font && return 0
  local sudo=""
  [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; }; then
    say "installing fonts-nanum with apt-get"
    if [ $apt_updated = 0 ]; then $sudo apt-get update -qq >/dev/null && apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-nanum >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    say "installing font-nanum-gothic with brew"
    brew install --cask font-nanum-gothic >/dev/null
  fi
  korean_font && return 0
  say "no Korean font is installed, so Korean texts in the exports would be missing. Install one:"
  say "  Debian/Ubuntu: sudo apt-get install fonts-nanum    macOS: brew install --cask font-nanum-gothic"
  return 1
}
font_ok=1
install_font || font_ok=0
if [ $want_test = 1 ]; then
  [ $dot_ok = 1 ] || { say "the tests need Graphviz's dot"; exit 1; }
  [ $font_ok = 1 ] || { say "the tests need a Korean font (Debian's fonts-nanum)"; exit 1; }
  # The browser tests drive Debian's Chromium (never a downloaded browser build).
  install_pkg chromium "chromium" "" || { say "the browser tests need /usr/bin/chromium (Debian's chromium package)"; exit 1; }
  # Node runs the vendored KaTeX in a test that renders every formula the engine writes.
  install_pkg node "nodejs" "node" || { say "the tests need node (Debian's nodejs package) to run KaTeX"; exit 1; }
  # ffmpeg writes the MP4 walkthrough (and ffprobe counts its frames); poppler's pdftoppm and
  # pdftotext read the PDF exports back.
  install_pkg ffmpeg "ffmpeg" "ffmpeg" || { say "the tests need ffmpeg for the MP4 walkthrough"; exit 1; }
  install_pkg pdftoppm "poppler-utils" "poppler" || { say "the tests need poppler-utils to read PDF exports"; exit 1; }
fi
exit 0
