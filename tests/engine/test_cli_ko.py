"""The command line with `--lang ko`: every command takes it, a bad program is one Korean
line at the same line and column, and without it the output is English as before."""
from __future__ import annotations

import json
import re

import pytest

from drawing.cli import main as studio_main
from engine.cli import main as engine_main

HANGUL = re.compile(r"[\uac00-\ud7a3]")
BAD = "W = xavier(3, 4)\nx = [1.0, 2.0, 3.0]\ny = W @ x\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "ok.py").write_text("x = 2.0\ny = relu(x) * x\n", encoding="utf-8")
    (tmp_path / "vec.py").write_text("x = [1.0, 2.0]\ny = x * 2\n", encoding="utf-8")
    return tmp_path


def err_line(capsys) -> str:
    out = capsys.readouterr()
    lines = out.err.strip().split("\n")
    assert len(lines) == 1, out.err
    return lines[0]


@pytest.mark.parametrize("command", [["trace"], ["render", "-o", "OUT.svg"], ["walkthrough", "-o", "OUT.pdf"]])
def test_a_bad_program_is_one_korean_line_in_every_command(files, capsys, command):
    argv = [c.replace("OUT", str(files / "out")) for c in command]
    assert studio_main([argv[0], str(files / "bad.py"), *argv[1:]]) == 1
    english = err_line(capsys)
    assert studio_main([argv[0], str(files / "bad.py"), *argv[1:], "--lang", "ko"]) == 1
    korean = err_line(capsys)
    where = re.match(r"line (\d+), col (\d+): ", english)
    assert where and korean.startswith(f"{where[1]}행 {where[2]}열: ")
    assert "W의 마지막 차원(4)이 x의 첫 차원(3)과 같아야 합니다" in korean and not HANGUL.search(english)
    assert not (files / "out.svg").exists() and not (files / "out.pdf").exists()


def test_every_command_takes_lang_and_refuses_another(files, capsys):
    with pytest.raises(SystemExit):
        engine_main(["trace", str(files / "ok.py"), "--lang", "fr"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err
    for command in (["trace"], ["train", "--steps", "2"]):
        assert engine_main([command[0], str(files / "ok.py"), *command[1:], "--lang", "ko"]) == 0
        assert json.loads(capsys.readouterr().out)


def test_the_commands_own_refusals_in_korean(files, capsys):
    assert engine_main(["trace", str(files / "ok.py"), "--h", "0.1", "--lang", "ko"]) == 2
    assert err_line(capsys) == "--h는 gradient check의 step입니다. --gradcheck와 함께 주십시오"
    assert engine_main(["trace", str(files / "ok.py"), "--gradcheck", "--h", "5", "--lang", "ko"]) == 2
    assert err_line(capsys).startswith("--h는 1e-10부터 1까지의 숫자여야 합니다")
    assert engine_main(["trace", str(files / "missing.py"), "--lang", "ko"]) == 1
    assert err_line(capsys).endswith("missing.py을(를) 읽을 수 없습니다: No such file or directory")
    (files / "latin.py").write_bytes(b"x = 1.0  # caf\xe9\n")
    assert engine_main(["trace", str(files / "latin.py"), "--lang", "ko"]) == 1
    assert err_line(capsys).endswith("latin.py을(를) 읽을 수 없습니다: UTF-8 텍스트가 아닙니다")
    assert engine_main(["train", str(files / "ok.py"), "--run", "{", "--lang", "ko"]) == 2
    assert err_line(capsys).startswith("--run 1: JSON이 아닙니다(")
    assert engine_main(["train", str(files / "vec.py"), "--lang", "ko"]) == 1
    assert err_line(capsys) == ("2행 5열: 학습에는 scalar loss가 필요한데 출력 'y'의 shape이 (2,)입니다. "
                                "sum(y)이나 mean(…)을 써 보십시오")
    assert engine_main(["train", str(files / "vec.py")]) == 1
    assert err_line(capsys).startswith("line 2, col 5: training needs a scalar loss")


def test_trace_in_korean_writes_the_document_with_its_warnings_told(files, capsys):
    assert engine_main(["trace", str(files / "vec.py"), "--lang", "ko"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (warning,) = doc["messages"]
    assert warning["msg"]["key"] == "error.warning.not_scalar"
    assert warning["message"].startswith("출력 'y'의 shape이 (2,)입니다. Backpropagation에는 scalar 출력이 필요합니다")
    assert engine_main(["trace", str(files / "vec.py")]) == 0
    assert json.loads(capsys.readouterr().out)["messages"][0]["message"].startswith("the output 'y' has shape (2,)")
