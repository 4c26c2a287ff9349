"""The training lab's texts in both languages: a bad request's message as a catalogue message
(English exactly as before, Korean with the same field and numbers), the map's definitions and
the slice's sentence as messages, and every key the Train view's modules ask for present."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import i18n
from engine.errors import SpecError
from engine.landscape import CLASSES, DEFINITIONS, loss_slice, lr_map
from engine.schedules import SCHEDULES
from engine.train import inspect, train

HANGUL = re.compile(r"[\uac00-\ud7a3]")
SRC = "w = 3.0\nb = 1.0\nloss = (w - 1) ** 2 + b * b"
TENSOR = "W = randn(2, 3)\nx = randn(3)\nloss = sum(W @ x)"
STUDIO = Path(__file__).resolve().parents[2] / "static" / "studio"


def refusal(call) -> SpecError:
    with pytest.raises(SpecError) as info:
        call()
    return info.value


@pytest.mark.parametrize("call, english, kept", [
    (lambda: train(SRC, [{"optimizer": "adam", "betas": [0.9, 2]}], 10),
     "runs[0].betas: β₂ must be in [0, 1), got 2", ["runs[0].betas", "β₂", "[0, 1)", "2"]),
    (lambda: train(SRC, [{"optimizer": "nadam"}], 10),
     "runs[0].optimizer: unknown optimizer 'nadam'; choose from sgd, adagrad, rmsprop, adam, adamw",
     ["'nadam'", "sgd, adagrad, rmsprop, adam, adamw"]),
    (lambda: train(SRC, [{"optimizer": "sgd", "schedule": {"name": "constant", "x": 1}}], 10),
     "runs[0].schedule.x: the constant schedule has no parameter 'x' (its parameters: none)", ["'x'", "constant"]),
    (lambda: train(SRC, [{"optimizer": "sgd", "schedule": {"name": "cyclic", "max_lr": 0.0001, "base_lr": 0.1}}], 10),
     "runs[0].schedule.max_lr: must be ≥ base_lr (0.1), got 0.0001", ["base_lr", "0.1", "0.0001"]),
    (lambda: train(SRC, [{"optimizer": "sgd"}], 0), "steps: must be from 1 to 5,000, got 0", ["5,000", "0"]),
    (lambda: train("W = randn(300, 300)\nloss = sum(W * W)", [{"optimizer": "sgd"}] * 2, 5000),
     "steps: 5,000 steps × 2 runs × the graph's size 180,769 (its numbers plus 256 per node) is 1,807,690,000; "
     "the limit is 100,000,000: take fewer steps or runs, or a smaller program", ["180,769", "1,807,690,000"]),
    (lambda: inspect(TENSOR, [{"optimizer": "sgd"}], 10, 0, 1, {"W": [0]}),
     "inspect.entry.W: must be 2 indexes within the shape [2, 3], got [0]", ["[2, 3]", "[0]"]),
    (lambda: inspect("w = 3.0\nloss = w ** 4", [{"optimizer": "sgd", "lr": 10.0}], 20, 0, 9),
     "inspect.iteration: the run diverged at iteration 4: choose an iteration before it (0 to 3)", ["4", "(0부터 3"]),
    (lambda: loss_slice(SRC, [{"optimizer": "sgd"}], 10, 0, 0, {"name": "w"}, {"name": "w"}),
     "y: must be another coordinate than x", ["x"]),
    (lambda: lr_map(SRC, 10, "sgd", {"min": 0.1, "max": 1}, [-1]), "momenta[0]: must be ≥ 0, got -1", ["-1"]),
    (lambda: lr_map(SRC, 10, "adagrad", {"min": 0.1, "max": 1}, [0.5]),
     "momenta: adagrad has no momentum: give [0] or leave momenta out", ["adagrad", "[0]"]),
])
def test_a_refusal_is_a_message_english_as_before_and_korean_with_the_same_facts(call, english, kept):
    err = refusal(call)
    assert str(err) == err.message == english
    assert err.msg.text("en") == english
    ko = err.msg.text("ko")
    assert ko.startswith(err.field + ": ") and HANGUL.search(ko), ko
    for fact in kept:
        assert fact in ko, (fact, ko)


def test_the_message_crosses_a_process_whole():
    # the workers send (field, problem) back to the server, which raises SpecError again from them
    import pickle
    err = refusal(lambda: train(SRC, [{"optimizer": "sgd", "lr": -1}], 10))
    field, problem = pickle.loads(pickle.dumps((err.field, err.problem)))
    again = SpecError(field, problem)
    assert str(again) == "runs[0].lr: must be ≥ 0, got -1"
    assert again.msg.text("ko") == "runs[0].lr: 0 이상이어야 합니다. 받은 값: -1"


def test_the_maps_definitions_and_the_slices_sentence_are_messages():
    m = lr_map(SRC, 10, "sgd", {"min": 0.1, "max": 1, "count": 2})
    assert set(m["definitions_msg"]) == set(CLASSES) == set(m["definitions"])
    for k, message in m["definitions_msg"].items():
        assert i18n.text(message["key"], "en", **message["args"]) == m["definitions"][k] == DEFINITIONS[k]
        assert HANGUL.search(i18n.text(message["key"], "ko", **message["args"]))
    assert "99%" in i18n.text(m["definitions_msg"]["converged"]["key"], "ko")
    s = loss_slice(TENSOR, [{"optimizer": "sgd", "label": "mine"}], 10, 0, 3, {"name": "W"}, {"name": "x"})
    held = s["held_msg"]
    assert i18n.text(held["key"], "en", **held["args"]) == s["held"]
    ko = i18n.text(held["key"], "ko", **held["args"])
    assert HANGUL.search(ko) and "iteration 3" in ko and "run 0(mine)" in ko


def test_every_schedule_has_a_formula_and_a_title_in_both_languages():
    for name, s in SCHEDULES.items():
        for lang in i18n.LANGS:
            assert s.formula.text(lang).startswith("α_t")
            assert name in i18n.text(f"sched.{name}.title", lang)
    assert HANGUL.search(SCHEDULES["cyclic"].formula.text("ko"))


def test_every_key_the_train_view_asks_for_is_in_the_catalogues():
    asked = set()
    for path in STUDIO.glob("train*.js"):
        code = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"""\btr\(\s*["']([\w.]+)["']""", code))
        asked |= set(re.findall(r'"((?:train|optim|sched)\.[\w.]+)"', code))
    # keys the modules build from a name
    table = re.search(r"BUFFER_SYMBOLS = \{(.*?)\};", (STUDIO / "train-update.js").read_text(encoding="utf-8"), re.S)[1]
    buffers = re.findall(r"(\w+):", table)
    assert {"momentum_buffer", "exp_avg", "max_exp_avg_sq"} <= set(buffers)
    asked |= {f"train.update.buffer.{b}" for b in buffers}
    asked |= {f"sched.{n}.title" for n in SCHEDULES} | {f"train.lrmap.class.{k}.name" for k in CLASSES}
    assert len(asked) > 80
    for lang in i18n.LANGS:
        missing = asked - set(i18n.catalogue(lang))
        assert not missing, (lang, sorted(missing))
