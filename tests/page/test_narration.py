"""The page's narration (static/studio/narration.js) tells every step as the engine does
(engine/narration.py): run under Node over every gallery example's lean document, in each
language, each step's text equals the full document's `narration`."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.examples import EXAMPLES
from engine import i18n, trace
from engine.lean import lean_document

TWIN = Path(__file__).with_name("narration_twin.mjs")
# Beyond the gallery: each way a step is told at least once.
EXTRA = [
    "x = 1.0\nf = x * x",                                              # one node using x twice
    "x = frozen(2.0)\ny = 3.0\nf = x * y - y / 4.0",                   # frozen, sub, div, a constant
    "a = -1.5\nb = 2.0\nf = min(a, b) + relu(a) + relu(b) + max(a, a)",  # min, relu blocks and passes, a tie
    "x = [1.0, -2.0, 3.0]\nf = sum(relu(x) * x) + x[0] ** 2",          # tensors, index, pow
    "W = randn(70, 70, seed=1)\nf = sum(W * W) + sum(relu(W))",          # past the lean size: summaries
    "v = [2.0, 2.0, 2.0, 2.0, 2.0]\nf = sum(-v)",                       # every entry the same
    "a = [1.0]; b = [2.0]; c = [3.0]\nf = sum(concat(a, b, c, a, b, c, a, b))",  # more inputs than told one by one
]
PROGRAMS = [e["source"] for e in EXAMPLES] + EXTRA


def run_twin(sources: list[str]) -> dict[str, list[list[str]]]:
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is missing: bash scripts/setup.sh --test installs it"
    docs = [json.loads(json.dumps(lean_document(trace(s)))) for s in sources]
    payload = {"catalogues": {lang: i18n.catalogue(lang) for lang in i18n.LANGS}, "docs": docs}
    r = subprocess.run([node, str(TWIN)], input=json.dumps(payload), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_the_page_tells_every_step_as_the_engine_does() -> None:
    told = run_twin(PROGRAMS)
    for lang in i18n.LANGS:
        for source, page in zip(PROGRAMS, told[lang]):
            engine = [s["narration"][lang] for s in trace(source).to_dict()["steps"]]
            assert len(page) == len(engine)
            for k, (a, b) in enumerate(zip(page, engine)):
                assert a == b, (lang, source, k, a, b)


def test_the_extra_programs_reach_every_kind_of_sentence() -> None:
    """Each template of the narration is used by some step of these programs, so the
    comparison above covers every way of telling a step."""
    used: set[str] = set()

    def keys(m) -> None:
        used.add(m.key)
        for v in m.args.values():
            if isinstance(v, i18n.Msg):
                keys(v)
    from engine.narration import narration
    for source in PROGRAMS:
        d = trace(source).to_dict()
        for k in range(len(d["steps"])):
            keys(narration(d, k))
    every = {k for k in i18n.catalogue("en") if k.startswith("narration.")}
    # a node without contributions that is not the output does not occur in a trace
    assert every - used == {"narration.backward.got", "narration.shape.tensor"}, every - used
