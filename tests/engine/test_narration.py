"""The narration of each step (engine/narration.py) against the trace document: its numbers are
the document's values, upstreams and downstreams, and its arithmetic holds."""
from __future__ import annotations

import re

import pytest

from app.examples import EXAMPLES
from engine import trace
from engine.narration import num

LECTURE = EXAMPLES[0]["source"]
PROGRAMS = [e["source"] for e in EXAMPLES] + [
    "x = 1.0\nf = x * x", "a = -1.5\nb = 2.0\nf = min(a, b) + relu(a) + relu(b) - a / 4.0",
    "x = frozen(2.0)\ny = 3.0\nf = x * y",
]
PRODUCT = re.compile(r"= (\S+) × (\S+) = (\S+)\.")


def number(s: str) -> float:
    return float(s.strip("()"))


def test_the_lectures_steps_are_told_in_both_languages() -> None:
    steps = trace(LECTURE).to_dict()["steps"]
    en = [s["narration"]["en"] for s in steps]
    ko = [s["narration"]["ko"] for s in steps]
    assert en[0] == "x is an input: 1."
    assert en[3] == "v3 = x + y = 1 + 2 = 3."
    assert en[4] == "v4 = max(y, z) = max(2, 0) = 2."
    assert en[6].startswith("f is the output: its gradient is ∂f/∂f = 1. × swaps")
    assert "v3 gets upstream × v4 = 1 × 2 = 2." in en[6]
    assert "max routes the whole upstream 3 to y, because y = 2 > z = 0." in en[7]
    assert "z gets 0 from max, because z = 0 < y = 2." in en[7]
    assert en[8].startswith("v3 receives the upstream gradient from f: 2. + distributes")
    assert en[10].startswith("y is used by 2 nodes, so its gradient is the sum 3 + 2 = 5.")
    assert ko[3] == "v3 = x + y = 1 + 2 = 3입니다."
    assert ko[10].startswith("y의 값은 node 2개에서 쓰이므로 gradient는 합 3 + 2 = 5입니다.")
    assert all(re.search("[가-힣]", s) for s in ko) and not any(re.search("[가-힣]", s) for s in en)


def test_relu_passes_or_blocks_with_the_reason() -> None:
    steps = trace("z = 1.2\nw = -0.3\nf = 0.5 * relu(z) + relu(w)").to_dict()["steps"]
    told = " ".join(s["narration"]["en"] for s in steps)
    assert "relu passes its upstream 0.5 on to z, because z = 1.2 > 0." in told
    assert "relu blocks the gradient: w gets 0, because w = -0.3 ≤ 0." in told


def test_tensors_are_told_by_shape_and_range_not_every_entry() -> None:
    d = trace("W = randn(70, 70, seed=1)\nf = sum(W * W)").to_dict()
    w = d["nodes"][0]["value"]
    flat = [v for row in w for v in row]
    first = d["steps"][0]["narration"]["en"]
    assert first == f"W is an input: a 70×70 matrix with entries from {num(min(flat))} to {num(max(flat))}."
    assert len(d["steps"][-1]["narration"]["en"]) < 200


@pytest.mark.parametrize("source", PROGRAMS)
def test_the_numbers_told_are_the_documents(source: str) -> None:
    d = trace(source).to_dict()
    nodes = d["nodes"]
    for step in d["steps"]:
        node = nodes[step["node"]]
        text = step["narration"]["en"]
        if step["phase"] == "forward":
            if not node["shape"]:
                assert text.endswith(f" {num(step['value'])}.") and step["value"] == node["value"], text
            if node["kind"] == "op" and not node["shape"] and not any(nodes[i]["shape"] for i in node["inputs"]):
                for i in node["inputs"]:
                    assert num(nodes[i]["value"]) in text, text
            continue
        if node["shape"]:
            continue
        up = step["upstream"]
        assert up == node["grad"] and num(up) in text, text
        contributions = step["contributions"]
        if len(contributions) > 1:
            terms = re.search(r"the sum (.+) = (\S+)\.", text)
            assert terms[1] == " + ".join(num(c["downstream"]).join("()") if num(c["downstream"]).startswith("-")
                                          else num(c["downstream"]) for c in contributions)
            assert sum(number(t) for t in terms[1].split(" + ")) == pytest.approx(up, rel=1e-3, abs=1e-9)
            assert terms[2] == num(up)
        for edge in step["edges"]:
            x = nodes[edge["input"]]
            if edge["skipped"] or x["shape"]:
                continue
            sentence = next(s for s in re.split(r"(?<=\.) (?=\S)", text)
                            if s.startswith(x["symbol"] + " gets") or f": {x['symbol']} gets" in s
                            or f"to {x['symbol']}, because" in s)
            down = edge["downstream"]
            assert num(down) in sentence, (sentence, down)
            product = PRODUCT.search(sentence)
            if product:
                a, b, c = (number(v) for v in product.groups())
                assert c == pytest.approx(a * b, rel=2e-3, abs=1e-9)
                assert product[3] == num(down)
                assert num(up) in (product[1].strip("()"), product[2].strip("()"))


@pytest.mark.parametrize("source", PROGRAMS[:3])
def test_the_documents_narration_is_each_steps_message_told(source: str) -> None:
    from engine.i18n import LANGS
    from engine.narration import narration
    d = trace(source).to_dict()
    assert [s["narration"] for s in d["steps"]] == [{lang: narration(d, i).text(lang) for lang in LANGS}
                                                    for i in range(len(d["steps"]))]
