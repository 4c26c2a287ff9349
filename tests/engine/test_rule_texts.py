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
