"""The tips lab's texts in both languages: the nonlinearities' rules and kinks as the page
tells them (the catalogue's English is the op table's own words), the refusals of unroll,
the layer view and the initialization switch told in Korean with their English unchanged,
and every key the tips modules ask for present in both catalogues."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import ProgramError, i18n
from engine.activations import activations
from engine.inits import INIT_NAMES, check_init
from engine.layer_view import layer_views, told
from engine.limits import MAX_LAYER_INITS, MAX_LAYERS
from engine.unroll import compare, unroll

HANGUL = re.compile(r"[\uac00-\ud7a3]")
MODULES = ["tips.js", "tips-layers.js", "tips-explorer.js", "stats.js", "vectorize.js"]
STUDIO = Path(__file__).resolve().parents[2] / "static" / "studio"


def test_every_rule_and_kink_the_explorer_shows_has_its_words_in_both_languages():
    for act in activations():
        for region in act["regions"]:
            key = f"act.band.{act['name']}.{region['kind']}"
            assert i18n.text(key, "en") == region["rule"], key
            assert i18n.text(key, "ko")
        if act["kink"]:
            assert i18n.text(f"act.kink.{act['name']}", "en") == act["kink"]["text"]
            assert i18n.text(f"act.kink.{act['name']}", "ko")
    assert i18n.text("act.band.sigmoid.saturated", "ko") == "σ < 0.03 또는 σ > 0.97"
    assert i18n.text("act.kink.leaky_relu", "ko") == "leaky_relu′(0) = 기울기(slope)"


@pytest.mark.parametrize("source, english, korean", [
    ("W = randn(9, 9, seed=1)\ns = sum(W)",
     "line 1, col 5: W has shape (9, 9), 81 entries; unroll expands tensors of at most 64 entries",
     "W의 shape은 (9, 9), entry는 81개입니다. unroll은 entry가 최대 64개인 tensor만 펼칩니다"),
    ("z = randn(4, seed=1)\ns = cross_entropy(z, 1)",
     "line 2, col 5: unroll expands products (@, dot, outer), sums and means, indexing, transposes and "
     "elementwise operations; cross_entropy is not one of them",
     "unroll은 곱(@, dot, outer), sum과 mean, indexing, transpose, elementwise 연산만 펼칩니다. "
     "cross_entropy 연산은 여기에 들지 않습니다"),
    ("x = randn(3, seed=1)\ns = x * 2",
     "line 2, col 5: unroll needs a single-number output; s has shape (3,): try sum(s)",
     "unroll에는 숫자 하나인 output이 필요합니다. s의 shape은 (3,)입니다. 이렇게 해 보세요: sum(s)"),
])
def test_unroll_refusals_keep_their_english_and_are_told_in_korean(source, english, korean):
    for run in (unroll, compare):
        with pytest.raises(ProgramError) as err:
            run(source)
        assert str(err.value) == english
        assert err.value.msg.text("ko") == korean
        assert told(err.value, "ko") == f"{err.value.line}행 {err.value.col}열: {korean}"


def test_the_layer_views_refusals_are_told_in_korean():
    deep = "x = randn(2, seed=1)\n" + "".join(f"x = tanh(x)\n" for _ in range(MAX_LAYERS + 1)) + "s = sum(x)"
    with pytest.raises(ProgramError) as err:
        layer_views(deep, [None])
    assert err.value.message == f"the layer view shows at most {MAX_LAYERS} layers; this program has {MAX_LAYERS + 1}"
    assert err.value.msg.text("ko") == (f"layer view는 layer를 최대 {MAX_LAYERS}개까지 보여 줍니다. "
                                        f"이 프로그램에는 {MAX_LAYERS + 1}개가 있습니다")
    with pytest.raises(ValueError) as count:
        layer_views("s = 1", [None] * (MAX_LAYER_INITS + 1))
    assert HANGUL.search(count.value.msg.text("ko")) and str(MAX_LAYER_INITS) in count.value.msg.text("ko")
    with pytest.raises(ValueError) as unknown:
        check_init("glorot")
    assert str(unknown.value) == "unknown initialization 'glorot': choose one of " + ", ".join(INIT_NAMES)
    assert unknown.value.msg.text("ko") == f"알 수 없는 초기화 'glorot': {', '.join(INIT_NAMES)} 중 하나를 고르세요"


def test_an_error_without_a_message_of_the_catalogue_stays_as_it_is():
    err = ProgramError("something", 3, 4)
    assert told(err, "ko") == told(err, "en") == "line 3, col 4: something"


def used_keys() -> set[str]:
    """The catalogue keys the tips modules name literally, and those they build from a name."""
    keys: set[str] = set()
    for name in MODULES:
        source = (STUDIO / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\b(?:t|told)\(\s*(?:[^"'()]*\?\s*)?["']((?:tips|stats|init|act|vec)\.[a-z_.]+)["']""", source))
        keys |= set(re.findall(r"""["']((?:tips|stats|init|act|vec)\.[a-z_]+(?:\.[a-z_]+)+)["']""", source))
    modes = ["written", *INIT_NAMES, "compare"]
    keys |= {f"init.name.{i}.same" for i in INIT_NAMES} | {f"init.title.{m}" for m in modes}
    keys |= {f"stats.{k}" for k in ("saturated", "dead")} | {f"act.kind.{k}" for k in ("saturated", "dead")}
    return keys


def test_every_key_the_tips_modules_ask_for_is_in_both_catalogues():
    keys = used_keys()
    assert len(keys) > 100
    for lang in i18n.LANGS:
        missing = sorted(k for k in keys if k not in i18n.catalogue(lang))
        assert not missing, (lang, missing)
    # and no tips module writes an English sentence of its own any more
    for name in MODULES:
        source = (STUDIO / name).read_text(encoding="utf-8")
        sentences = re.findall(r"""(?:text: |, )["'`]([A-Z][a-z]+(?: [a-z]+){2,}[^"'`]*)["'`]""", source)
        assert not sentences, (name, sentences)
