"""Line breaks: `\r\n` and a lone `\r` are line breaks to Python's parser, so they are to the
engine too, with lines, columns and each node's span the same as with `\n`."""
from __future__ import annotations

import json

import pytest

from engine import ProgramError, trace
from engine.source import one_line_break

PROGRAM = "x = 1.0\ny = [2.0, -1.0]\nz = sum((x * y +\n     y))\nf = z * 2.0\n"
BREAKS = ["\r", "\r\n", "\n"]


def error_of(source: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        trace(source)
    return info.value


@pytest.mark.parametrize("br", BREAKS, ids=["cr", "crlf", "lf"])
def test_an_error_on_line_3_is_reported_on_line_3(br: str) -> None:
    e = error_of(br.join(["x = 1.0", "y = 2.0", "é = x @ q"]))
    assert (e.line, e.col) == (3, 9), e
    e = error_of(br.join(["x = 1.0", "", "y = (x +", "  q)"]))
    assert (e.line, e.col) == (4, 3), e


@pytest.mark.parametrize("br", ["\r", "\r\n"], ids=["cr", "crlf"])
def test_nodes_have_the_same_spans_as_with_newlines(br: str) -> None:
    want = trace(PROGRAM).to_dict()
    got = trace(PROGRAM.replace("\n", br)).to_dict()
    assert got["source"] == PROGRAM             # the text its lines and columns count in
    assert json.dumps(got) == json.dumps(want)
    lines = got["source"].split("\n")
    for n in got["nodes"]:
        if n["line"] == n["end_line"]:
            assert lines[n["line"] - 1][n["col"] - 1:n["end_col"] - 1] == n["expr"]
    spans = {n["expr"]: (n["line"], n["col"], n["end_line"], n["end_col"]) for n in got["nodes"]}
    assert spans["x * y +\n     y"] == (3, 10, 4, 7)


def test_mixed_line_breaks_count_like_python() -> None:
    # \r\r\n is two line breaks; \n\r is two as well
    e = error_of("x = 1.0\r\r\ny = 2.0\n\rz = q")
    assert (e.line, e.col) == (5, 5)


def test_a_program_without_cr_keeps_its_text_exactly() -> None:
    source = "x = 1.0  # \x0c\x0b\x1c\x85\u2028\u2029 are not line breaks to Python\ny = x * 2.0\t\n"
    assert one_line_break(source) is source
    assert trace(source).to_dict()["source"] == source


def test_other_unicode_breaks_do_not_move_lines() -> None:
    # str.splitlines splits on these; Python's tokenizer does not: in a comment they are
    # text, in code they are refused, and lines after them keep their numbers
    for ch in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
        e = error_of(f"x = 1.0  # a{ch}b\ny = x * q")
        assert (e.line, e.col) == (2, 9), repr(ch)
        source = f"x = 1.0\ny = x *{ch} 2.0\nz = y * q"
        try:
            trace(source)
        except ProgramError as e:             # refused where it is, or (form feed: blank) at q
            assert (e.line, e.col) in ((2, 8), (3, 9)), (repr(ch), e)


def test_wide_characters_and_cr() -> None:
    e = error_of("é = 1.0\r𝐱 = é * 2.0\rz = 𝐱 + q")
    assert (e.line, e.col) == (3, 9)


def test_a_multi_line_refusal_with_cr_is_located() -> None:
    e = error_of("x = 1.0\ry = (x +\r 'a')")
    assert (e.line, e.col) == (3, 2) and "strings" in e.message
