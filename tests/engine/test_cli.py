"""The installed `backprop-studio` console script, run as a user runs it: a subprocess."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.console import console_script

# Each test starts the command line as a process of its own: seconds in all.
pytestmark = pytest.mark.slow

CLI = console_script()
LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)\n"
ONE_LINE = re.compile(r"^line (\d+), col (\d+): \S.*$")

DOC_KEYS = {"source", "init", "output", "backward", "messages", "nodes", "steps"}
NODE_KEYS = {"id", "op", "kind", "label", "name", "names", "symbol", "latex", "inputs", "shape", "value",
             "grad", "frozen", "attrs", "line", "col", "end_line", "end_col", "expr", "stats"}
FORWARD_KEYS = {"phase", "node", "value", "narration"}
BACKWARD_KEYS = {"phase", "node", "op", "upstream", "contributions", "edges", "intuition", "sum_rule", "narration"}
EDGE_KEYS = {"input", "position", "local", "local_shape", "downstream", "skipped", "rule", "downstream_rule"}
GRADCHECK_KEYS = {"h", "rtol", "atol", "f", "passed", "kinks", "passed_away_from_kinks", "unchecked_leaves",
                  "leaves"}
LEAF_KEYS = {"node", "name", "shape", "size", "checked", "sampled", "max_rel_error", "passed", "entries"}
ENTRY_KEYS = {"index", "analytic", "numeric", "rel_error", "passed", "f_plus", "f_minus", "one_sided",
              "one_sided_rel_error", "kink", "note", "note_msg"}


def run(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=120,
                          text=not isinstance(stdin, bytes))


def shape_of(value) -> list[int]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0]
    return shape


def check_document(doc: dict, source: str) -> None:
    """The JSON document as the README specifies it."""
    assert set(doc) == DOC_KEYS
    assert doc["source"] == source
    nodes = doc["nodes"]
    assert [n["id"] for n in nodes] == list(range(len(nodes)))
    assert 0 <= doc["output"] < len(nodes)
    for n in nodes:
        assert set(n) == NODE_KEYS, set(n) ^ NODE_KEYS
        assert n["kind"] in ("leaf", "const", "op")
        assert n["op"] == n["kind"] if n["kind"] != "op" else n["op"] not in ("leaf", "const")
        assert all(i < n["id"] for i in n["inputs"])
        assert shape_of(n["value"]) == n["shape"]
        if n["grad"] is not None:
            assert shape_of(n["grad"]) == n["shape"]
        assert n["name"] == (n["names"][0] if n["names"] else None)
        assert n["line"] >= 1 and n["col"] >= 1 and n["end_line"] >= n["line"]
    for m in doc["messages"]:
        assert {"line", "col", "message"} <= set(m)
    n_forward = 0
    for s in doc["steps"]:
        if s["phase"] == "forward":
            assert set(s) == FORWARD_KEYS
            n_forward += 1
            continue
        assert set(s) == BACKWARD_KEYS
        for c in s["contributions"]:
            assert set(c) == {"from", "position", "text", "downstream"}
        for e in s["edges"]:
            assert set(e) == EDGE_KEYS and set(e["rule"]) == set(e["downstream_rule"]) == {"text", "latex"}
    assert n_forward == len(nodes)
    assert all(s["phase"] == "forward" for s in doc["steps"][:n_forward])


def test_trace_file(tmp_path: Path) -> None:
    path = tmp_path / "lecture.bp"
    path.write_text(LECTURE, encoding="utf-8")
    r = run("trace", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    doc = json.loads(r.stdout)
    check_document(doc, LECTURE)
    grads = {n["name"]: n["grad"] for n in doc["nodes"] if n["kind"] == "leaf"}
    assert grads == {"x": 2.0, "y": 5.0, "z": 0.0}
    assert doc["nodes"][doc["output"]]["value"] == 6.0
    assert "gradcheck" not in doc


def test_trace_stdin_is_the_same_document(tmp_path: Path) -> None:
    path = tmp_path / "p.bp"
    path.write_text(LECTURE, encoding="utf-8")
    from_file = run("trace", str(path))
    from_stdin = run("trace", "-", stdin=LECTURE)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout


def test_indent_pretty_prints_the_same_document() -> None:
    compact = run("trace", "-", stdin=LECTURE)
    pretty = run("trace", "-", "--indent", "2", stdin=LECTURE)
    assert pretty.returncode == 0
    assert "\n  " in pretty.stdout and "\n  " not in compact.stdout
    assert json.loads(pretty.stdout) == json.loads(compact.stdout)


def test_gradcheck_is_added_and_passes() -> None:
    r = run("trace", "-", "--gradcheck", stdin=LECTURE)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    gc = doc.pop("gradcheck")
    check_document(doc, LECTURE)
    assert set(gc) == GRADCHECK_KEYS
    assert gc["h"] == 1e-4 and gc["passed"] is True
    numeric = {}
    for leaf in gc["leaves"]:
        assert set(leaf) == LEAF_KEYS
        (entry,) = leaf["entries"]
        assert set(entry) == ENTRY_KEYS and entry["index"] == []
        numeric[leaf["name"]] = entry["numeric"]
    assert numeric == pytest.approx({"x": 2.0, "y": 5.0, "z": 0.0}, abs=1e-6)


def test_non_scalar_output_exits_0_with_a_message() -> None:
    source = "x = [1.0, 2.0]\ny = x * 2"
    r = run("trace", "-", stdin=source)
    assert r.returncode == 0 and r.stderr == ""
    doc = json.loads(r.stdout)
    check_document(doc, source)
    assert doc["backward"] is False and "sum(" in doc["messages"][0]["message"]


@pytest.mark.parametrize("source, line, col", [
    ("x = 1.0\nf = x +* 2", 2, 8),
    ("x = 1.0\nf = x + q", 2, 9),
    ("é = 1.0\nf = é.foo", 2, 5),
    ("import os", 1, 1),
    ("x = 0.0\nf = 2 * log(\n    x)", 2, 9),
    ("W = ones(100000, 100000)\nf = sum(W)", 1, 5),
    ("x = 1.0\nf = " + "-" * 100_000 + "x", 2, None),
    ("", 1, 1),
])
def test_bad_program_is_one_line_on_stderr_and_exit_1(source: str, line: int, col: int | None) -> None:
    r = run("trace", "-", stdin=source)
    assert r.returncode == 1
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and r.stderr.endswith("\n"), r.stderr
    m = ONE_LINE.match(lines[0])
    assert m, lines[0]
    assert int(m.group(1)) == line
    if col is not None:
        assert int(m.group(2)) == col


def test_gradcheck_of_a_non_scalar_output_is_one_line() -> None:
    r = run("trace", "-", "--gradcheck", stdin="x = [1.0, 2.0]\nx")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and ONE_LINE.match(r.stderr.strip())


def test_unreadable_input_is_one_line_without_traceback(tmp_path: Path) -> None:
    for args, stdin in [(("trace", str(tmp_path / "missing.bp")), None),
                        (("trace", str(tmp_path)), None),
                        (("trace", "-"), b"x = \xff\xfe 1.0\n")]:
        r = run(*args, stdin=stdin)
        err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode("utf-8", "replace")
        assert r.returncode == 1, args
        assert "Traceback" not in err and len(err.splitlines()) == 1, err


def test_usage_errors_exit_non_zero() -> None:
    r = run()
    assert r.returncode != 0 and "Traceback" not in r.stderr
    r = run("trace")
    assert r.returncode != 0 and "Traceback" not in r.stderr


def test_a_file_saved_with_a_byte_order_mark_reads_like_any_other(tmp_path: Path) -> None:
    path = tmp_path / "bom.bp"
    path.write_bytes(b"\xef\xbb\xbf" + LECTURE.encode("utf-8"))
    for r in (run("trace", str(path)), run("trace", "-", stdin=path.read_bytes())):
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["source"] == LECTURE
        assert doc["nodes"][doc["output"]]["value"] == 6.0


def test_stdin_is_utf8_whatever_the_locale_says() -> None:
    source = "é = 1.0\nf = é * q\n"
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    r = subprocess.run([*CLI, "trace", "-"], input=source.encode("utf-8"), capture_output=True,
                       timeout=120, env=env)
    assert r.returncode == 1
    assert r.stderr.decode("utf-8", "replace").strip() == "line 2, col 9: unknown name 'q'"


@pytest.mark.parametrize("br", [b"\r", b"\r\n"], ids=["cr", "crlf"])
def test_cr_line_breaks_from_a_file_and_stdin(tmp_path: Path, br: bytes) -> None:
    good = b"x = 1.0" + br + b"y = x * 2.0" + br
    path = tmp_path / "cr.py"
    path.write_bytes(good)
    docs = [json.loads(r.stdout) for r in (run("trace", str(path)), run("trace", "-", stdin=good))]
    for doc in docs:
        assert doc["source"] == "x = 1.0\ny = x * 2.0\n"
        assert [(n["line"], n["col"], n["expr"]) for n in doc["nodes"]][-1] == (2, 5, "x * 2.0")
    bad = b"x = 1.0" + br + b"y = 2.0" + br + b"z = x @ q"
    path.write_bytes(bad)
    for r in (run("trace", str(path)), run("trace", "-", stdin=bad)):
        err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
        assert r.returncode == 1 and err.strip().startswith("line 3, col 9:"), err
    path.write_bytes(good)
    out = tmp_path / "cr.svg"
    r = run("render", str(path), "-o", str(out))
    assert r.returncode == 0 and b"<svg" in out.read_bytes(), r.stderr


def test_render_draws_a_big_program_collapsed_or_refuses_it_node_by_node(tmp_path):
    """`render --level`: a program over the node-by-node limit is drawn one box per statement
    (auto or statements); asked node by node, it is refused with the limit in one line."""
    from bench.programs import scalar_program
    f = tmp_path / "big.py"
    f.write_text(scalar_program(600, seed=2))
    for level in ("auto", "statements"):
        out = tmp_path / f"{level}.svg"
        r = run("render", str(f), "-o", str(out), "--level", level)
        assert r.returncode == 0, r.stderr
        svg = out.read_text()
        assert 'class="node bp-group' in svg.replace("&#45;", "-") and 'id="node-0"' not in svg
    small = tmp_path / "small.py"
    small.write_text("x = 1.0\ny = x * 2.0\n")
    r = run("render", str(small), "-o", str(tmp_path / "s.svg"), "--level", "statements")
    assert r.returncode == 0 and "bp-group" in (tmp_path / "s.svg").read_text().replace("&#45;", "-")
    r = run("render", str(f), "-o", str(tmp_path / "n.svg"), "--level", "nodes")
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and "limited to 400" in r.stderr, r.stderr


def test_trace_unroll_prints_the_scalar_graph(tmp_path):
    src = "W = [[1.0, 2.0], [3.0, 4.0]]\nx = [0.5, -1.0]\ns = sum(tanh(W @ x))\n"
    f = tmp_path / "p.py"
    f.write_text(src)
    r = run("trace", str(f), "--unroll")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    check_document(doc, src)
    assert all(n["shape"] == [] for n in doc["nodes"])
    assert [n["name"] for n in doc["nodes"][:6]] == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "x[0]", "x[1]"]
    plain = json.loads(run("trace", str(f)).stdout)
    assert doc["nodes"][doc["output"]]["value"] == pytest.approx(plain["nodes"][plain["output"]]["value"], abs=1e-12)
    f.write_text("W = randn(9, 9, seed=1)\ns = sum(W)\n")
    r = run("trace", str(f), "--unroll")
    assert r.returncode == 1 and ONE_LINE.match(r.stderr.strip()) and "at most 64 entries" in r.stderr


def test_trace_lean_prints_the_lean_document(tmp_path):
    src = "W = randn(100, 50, seed=1)\nx = randn(50, seed=2)\ns = sum(tanh(W @ x))\n"
    f = tmp_path / "p.py"
    f.write_text(src)
    lean = json.loads(run("trace", str(f), "--lean").stdout)
    full = json.loads(run("trace", str(f)).stdout)
    check_document(full, src)                       # the default: every number written out
    assert lean["lean"] is True and lean["nodes"][0]["value"]["summary"] is True
    assert lean["nodes"][0]["value"]["shape"] == [100, 50] and lean["nodes"][1]["value"] == full["nodes"][1]["value"]
    assert all("value" not in s for s in lean["steps"] if s["phase"] == "forward")
