"""The explanation texts in English are what they were before they moved to the catalogue:
every rule, intuition, contribution and sum rule of the gallery's programs and of the rule,
lecture and matrix tests' programs, against a snapshot taken from the engine before the move
(tests/fixtures/rule_texts_en.json.gz: the distinct texts once, each program as indices)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from engine import trace

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "rule_texts_en.json.gz"


def texts(doc: dict, lang_doc: dict | None = None) -> list:
    out = []
    for s in doc["steps"]:
        if s["phase"] != "backward":
            continue
        out += [s["intuition"], s["sum_rule"]]
        out += [c["text"] for c in s["contributions"]]
        for e in s["edges"]:
            out += [e["rule"]["text"], e["rule"]["latex"], e["downstream_rule"]["text"], e["downstream_rule"]["latex"]]
    return out


def test_english_texts_unchanged() -> None:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as f:
        snap = json.load(f)
    table = snap["texts"]
    assert len(snap["programs"]) > 300
    for p in snap["programs"]:
        want = [table[i] for i in p["texts"]]
        got = texts(trace(p["source"], p["init"]).to_dict())
        assert got == want, p["source"]


def backward(doc: dict, node: int) -> dict:
    return next(s for s in doc["steps"] if s["phase"] == "backward" and s["node"] == node)


def test_the_lecture_example_in_korean() -> None:
    """f = (x + y) · max(y, z): + distributes, max routes, × switches, y's two uses summed; the
    sentences in Korean, the notes' terms (gradient, node, upstream…) and the formulas kept."""
    d = trace("x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)\n").to_dict("ko")
    f, v4, v3, y = backward(d, 5), backward(d, 4), backward(d, 3), backward(d, 1)
    assert f["intuition"].startswith("×는 서로 바꿔 줍니다(switch): 각 입력은 upstream gradient에")
    assert v3["intuition"] == "+는 분배합니다(distribute): 모든 입력이 upstream gradient를 그대로 받습니다."
    assert v4["intuition"].startswith("max는 길을 정해 줍니다(route): upstream gradient 전체가 이긴 입력으로")
    assert v4["edges"][0]["rule"]["text"] == "∂v4/∂y = y > z인 곳(이긴 곳)은 1, 그 밖에는 0"
    assert v4["edges"][0]["downstream_rule"]["text"] == "∂f/∂y = δ · 1[y > z]"
    assert v4["contributions"][0]["text"] == "f = (x + y) * max(y, z)의 2번째 입력에서"
    assert y["sum_rule"] == ("y는 node 2개(v4, v3)에 들어갑니다. 그래서 gradient는 그 기여들의 합입니다: "
                             "upstream = Σ downstream")
    assert [c["text"] for c in y["contributions"]] == ["v4 = max(y, z)의 1번째 입력에서", "v3 = x + y의 2번째 입력에서"]
    # LaTeX is the same in both languages when it has no words
    en = trace("x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)\n").to_dict("en")
    assert backward(en, 4)["edges"][0]["rule"]["latex"] == v4["edges"][0]["rule"]["latex"]


def test_broadcast_and_frozen_words_in_korean() -> None:
    d = trace("W = randn(3, 2, seed=0)\nb = [1.0, 2.0]\nh = W * b + 2.0\ns = sum(h)\n").to_dict("ko")
    mul = backward(d, 2)
    assert mul["intuition"].endswith("여기서는 b(2)가 3개 행으로 broadcast되었습니다 (3×2). "
                                     "그래서 그 gradient는 upstream을 axis 0 방향으로 더합니다.")
    b_edge = mul["edges"][1]
    assert b_edge["downstream_rule"]["text"].startswith("∂s/∂b = δ ⊙ W, axis 0 방향으로 더합니다: b(2)가")
    assert b_edge["downstream_rule"]["latex"] == r"\frac{\partial s}{\partial b} = \sum_{\text{axis 0}} \left(\delta \odot W\right)"
    add = backward(d, 4)
    const = next(e for e in add["edges"] if e["skipped"])
    assert const["rule"]["text"] == "2는 프로그램에 적힌 상수입니다: gradient를 보내지 않습니다"
    assert const["rule"]["latex"] == r"\text{gradient 없음: } 2 \text{ 는 상수}"
