"""Every error a program can meet, told in Korean from the catalogue: the same place (line
and column), the English text unchanged, a Korean sentence with every placeholder filled,
and the program's own words (names, numbers, shapes) kept as they are."""
from __future__ import annotations

import re

import pytest

from engine import i18n, trace
from engine.errors import ProgramError, ShapeError, told
from engine.gradcheck import check_h, gradcheck
from engine.ops import broadcast, matmul_shape
from tests.engine.test_errors import CASES, error_of
from tests.engine.test_teaching_errors import KEYWORDS, MATMUL, MISSING

HANGUL = re.compile(r"[\uac00-\ud7a3]")
SOURCES = ([c[0] for c in CASES] + [c[0] for c in KEYWORDS] + [c[0] for c in MISSING]
           + [c[0] for c in MATMUL])
# errors past the parser: limits, numbers, the backward pass
MORE = [
    "", "x = 1e400", "x = [[1.0], [1.0, 2.0]]", "a, b = 1.0, 2.0", "x = 1.0\nx += 1",
    "x = 1.0\ny = log(x - 1.0)", "x = 1e300\ny = x * x", "x = -1.0\ny = sqrt(x)",
    "x = [1.0, 2.0]\ny = [1.0, 2.0, 3.0]\nz = x + y", "x = [1.0, 2.0]\ny = x[5]",
    "W = randn(2000, 1000)", "W = randn(1000, 1000)\n" + "W = W * 2\n" * 8,
    "x = [1.0, 2.0]\nf = dot(x, [[1.0, 2.0]])", "x = 1.0\nf = softmax(x)", "W = xavier(3)",
    "x = [1.0]\nf = x[0:0]", "x = [1.0, 2.0]\nf = outer(x, 1.0)", "x = [[1.0, 2.0]]\nf = sum(x, axis=3)",
]


def korean(e: ProgramError) -> str:
    ko = told(e, "ko")
    assert HANGUL.search(ko), f"not told in Korean: {ko!r} (English: {e.message!r})"
    assert "\n" not in ko
    left = i18n.placeholders(ko) - i18n.placeholders(e.message)
    assert not left, f"unfilled {left} in {ko!r}"
    return ko


@pytest.mark.parametrize("source", SOURCES + MORE)
def test_every_error_is_told_in_korean_at_the_same_place(source) -> None:
    e = error_of(source)
    assert e.msg is not None, f"no catalogue message for {e.message!r}"
    assert e.msg.text("en") == e.message          # the English text is the catalogue's English
    korean(e)
    assert e.text("ko").startswith(f"{e.line}행 {e.col}열: ")
    assert e.text("en") == str(e)
    assert e.to_dict("ko") == {"line": e.line, "col": e.col, "message": told(e, "ko")}
    assert e.to_dict() == {"line": e.line, "col": e.col, "message": e.message}


def test_the_programs_words_stay_as_they_are_in_korean() -> None:
    e = error_of("weight = 1.0\nf = wieght * 2")
    assert "'wieght'" in told(e, "ko") and "'weight'" in told(e, "ko")
    e = error_of("W = xavier(3, 4)\nx = [1.0, 2.0, 3.0]\ny = W @ x")
    ko = told(e, "ko")
    for word in ("W (3, 4)", "x (3,)", "W.T @ x", "xavier(4, 3)", "shape mismatch"):
        assert word in ko, (word, ko)
    e = error_of("x = 1.0\ny = log(x - 1.0)")
    assert "'log(x - 1.0)'" in told(e, "ko") and "Forward Propagation" in told(e, "ko")


def test_a_refused_construct_and_its_hint_are_both_korean() -> None:
    ko = told(error_of("x = 1.0\nx += 1"), "ko")
    assert ko == "복합 대입문(x += …)은 쓸 수 없습니다. 대신 x = x + …로 쓰십시오"
    ko = told(error_of("x = 1.0\nf = (lambda: x)"), "ko")
    assert ko == "여기서는 lambda 식을 쓸 수 없습니다"
    # a statement with no hint of its own gets the general one
    assert told(error_of("x = 1.0\nfor i in x: pass"), "ko").endswith("이름 = 식 형태의 문장을 나열한 것입니다")


def test_shape_errors_carry_a_message_of_their_own() -> None:
    with pytest.raises(ShapeError) as info:
        broadcast([(2,), (3,)], {})
    assert info.value.msg.text("en") == str(info.value) == "shape mismatch: (2,) and (3,) do not broadcast"
    assert info.value.msg.text("ko") == "shape mismatch: (2,)와 (3,)은 broadcast되지 않습니다"
    with pytest.raises(ShapeError) as info:
        matmul_shape([(2, 3), (4,)], {})
    assert "the left side (2, 3)" in str(info.value) and "왼쪽 (2, 3)" in info.value.msg.text("ko")


def test_the_gradient_check_tells_its_notes_and_refusals_in_korean() -> None:
    check = gradcheck(trace("x = 0.0\nf = relu(x) + x\n"))
    entry = check["leaves"][0]["entries"][0]
    assert entry["kink"] and entry["note"].startswith("θ ± h straddles the kink of relu on line 2")
    assert i18n.Msg(entry["note_msg"]["key"], {k: (i18n.Msg(v["key"], v["args"]) if isinstance(v, dict) else v)
                                               for k, v in entry["note_msg"]["args"].items()}).text("en") == entry["note"]
    assert check["leaves"][0]["entries"][0]["note_msg"]["key"] == "check.kink_note"
    with pytest.raises(ValueError) as info:
        check_h(5.0)
    assert str(info.value).startswith("h must be a number from 1e-10 to 1")
    assert told(info.value, "ko").startswith("h는 1e-10부터 1까지의 숫자여야 합니다")


def test_training_a_program_without_a_scalar_loss_is_refused_in_korean() -> None:
    from engine.compiled import Compiled
    with pytest.raises(ProgramError) as info:
        Compiled("x = [1.0, 2.0]\ny = x * 2")
    assert info.value.message.startswith("training needs a scalar loss, and the output 'y' has shape (2,)")
    assert told(info.value, "ko") == ("학습에는 scalar loss가 필요한데 출력 'y'의 shape이 (2,)입니다. "
                                      "sum(y)이나 mean(…)을 써 보십시오")


@pytest.mark.parametrize("source, english, korean_text", [
    ("x = [1.0, 2.0]\ny = x * 2", "the output 'y' has shape (2,); backward needs a scalar output: try sum(y)",
     "출력 'y'의 shape이 (2,)입니다. Backpropagation에는 scalar 출력이 필요합니다. sum(y)을 써 보십시오"),
    ("f = 2.0 * 3", "the output 'f' is computed from constants alone",
     "출력 'f'은(는) 상수만으로 계산되므로 미분할 것이 없습니다"),
])
def test_warnings_carry_their_message_for_every_language(source, english, korean_text) -> None:
    t = trace(source)
    (m,) = t.to_dict()["messages"]
    assert m["message"].startswith(english)
    told_ko = i18n.Msg.from_json(m["msg"]).text("ko")
    assert told_ko.startswith(korean_text)
    assert i18n.Msg.from_json(m["msg"]).text("en") == m["message"]
    with pytest.raises(ProgramError) as info:          # the gradient check says why, in Korean too
        gradcheck(t)
    assert told(info.value, "ko") == "gradient check에는 Backpropagation이 필요한데, " + told_ko


@pytest.mark.parametrize("source, english", [
    ("x = (1", "'(' was never closed"), ("x = 1)", "unmatched ')'"), ("x = 'abc", "unterminated string literal"),
    (" x = 1", "unexpected indent"), ("x = (1]", "does not match opening parenthesis"),
    ("x = 09", "leading zeros"), ("f(x) = 1", "cannot assign to function call"), ("x = 1 +", "invalid syntax"),
])
def test_pythons_usual_syntax_errors_are_told_in_korean_too(source, english) -> None:
    e = error_of(source)
    assert e.message.startswith("syntax error: ") and english in e.message
    ko = told(e, "ko")
    assert ko.startswith("문법 오류(syntax error): ") and english not in ko
    assert not re.search(r"[a-z]{4,} [a-z]{4,}", ko.removeprefix("문법 오류(syntax error): ")), ko  # no English left
