"""The trace document against its typed records (engine/document.py), and one writer per record:
the step objects' `to_dict` and the document's own steps give the same JSON."""
from __future__ import annotations

import copy
import json

import pytest
from pydantic import TypeAdapter, ValidationError

from app.examples import EXAMPLES
from engine import document as doc
from engine import gradcheck, trace

PROGRAMS = [e["source"] for e in EXAMPLES] + [
    "x = [1.0, 2.0]\ny = x * 2.0",                       # non-scalar output: a message, no backward
    "a = 1.0\nf = 2 * 3",                                 # constants alone: a message, no backward
    "x = frozen(2.0)\ny = 3.0\nf = x * y",               # an edge skipped as frozen
    "x = 2.0\nf = x ** (2 ** 2)",                         # an edge skipped as constant
    "x = 1.0\nf = x * x",                                 # one node using x twice
    "h = 1.0\nh = relu(h)\nh = h * 2.0\nf = h + h",        # primes, and a sum rule
    "W = randn(2, 3, seed=1)\nx = [1.0, 2.0, 3.0]\nf = sum(relu(W @ x))",   # Jacobians
    "E = randn(40, 3, seed=2)\nf = sum(E * E)",           # a sampled gradient check
]
DOCUMENT = TypeAdapter(doc.TraceDocument)
GRADIENT_CHECK = TypeAdapter(doc.GradientCheck)


@pytest.mark.parametrize("source", PROGRAMS)
def test_the_document_matches_its_typed_records(source: str) -> None:
    t = trace(source)
    DOCUMENT.validate_python(t.to_dict(), strict=True)
    if t.backward_ran:
        GRADIENT_CHECK.validate_python(gradcheck(t), strict=True)


# Steps of this program: 4 forward (x, y, x * y, f), then f's backward step first and x's last.
SMALL = "x = 2.0\ny = 3.0\nf = x * y + x"


@pytest.mark.parametrize("where, change", [
    (("nodes", 0), lambda r: r.pop("grad")),                                   # missing
    (("steps", -1), lambda r: r.__setitem__("sumrule", r.pop("sum_rule"))),   # misspelt
    (("steps", 4, "edges", 0, "rule"), lambda r: r.pop("latex")),
    (("steps", -1, "contributions", 0), lambda r: r.__setitem__("to", 1)),    # unknown
    (("steps", 0), lambda r: r.__setitem__("phase", "sideways")),
    ((), lambda r: r.__setitem__("gradcheck", None)),
])
def test_a_missing_misspelt_or_unknown_key_does_not_validate(where, change) -> None:
    record = document = copy.deepcopy(trace(SMALL).to_dict())
    DOCUMENT.validate_python(document, strict=True)
    for key in where:
        record = record[key]
    change(record)
    with pytest.raises(ValidationError):
        DOCUMENT.validate_python(document)


def test_a_gradient_check_with_a_key_missing_does_not_validate() -> None:
    report = gradcheck(trace("x = 2.0\nf = x * x"))
    del report["leaves"][0]["entries"][0]["rel_error"]
    with pytest.raises(ValidationError):
        GRADIENT_CHECK.validate_python(report)


@pytest.mark.parametrize("source", PROGRAMS)
def test_step_objects_and_the_document_write_each_step_alike(source: str) -> None:
    t = trace(source)
    assert (json.dumps([s.to_dict() for s in t.steps], ensure_ascii=False)
            == json.dumps(t.to_dict()["steps"], ensure_ascii=False))
