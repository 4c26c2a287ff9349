"""The catalogues: every key in every language, the same placeholders in each, and the
filling rules the page shares (static/studio/i18n.js)."""
import json

import pytest

from engine import i18n


def test_every_language_has_every_key():
    keys = {lang: set(i18n.catalogue(lang)) for lang in i18n.LANGS}
    every = set().union(*keys.values())
    for lang, have in keys.items():
        assert not every - have, f"{lang} lacks {sorted(every - have)[:20]}"


def test_placeholders_agree_between_languages():
    en = i18n.catalogue("en")
    for lang in i18n.LANGS:
        for key, template in i18n.catalogue(lang).items():
            assert i18n.placeholders(template) == i18n.placeholders(en[key]), (lang, key, template, en[key])


def test_no_text_is_empty_and_korean_is_written_in_korean():
    ko = i18n.catalogue("ko")
    en = i18n.catalogue("en")
    for lang in i18n.LANGS:
        for key, template in i18n.catalogue(lang).items():
            assert template.strip(), (lang, key)
    # A Korean text that is the English one unchanged was not translated, unless it is a
    # term the notes keep in English, a formula or a name (its key says so: `*.same`).
    untranslated = [k for k in en if en[k] == ko[k] and any(c.isalpha() for c in en[k])
                    and not k.endswith(".same") and len([w for w in en[k].split() if w.isalpha()]) > 2]
    assert not untranslated, untranslated[:20]


def test_catalogues_are_plain_json_objects_of_strings():
    for lang in i18n.LANGS:
        data = json.loads((i18n.CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict) and all(isinstance(v, str) for v in data.values())


def test_fill_replaces_named_placeholders_and_keeps_others():
    assert i18n.fill("∂{o}/∂{x} = {n}", {"n": "3"}) == "∂{o}/∂{x} = 3"
    assert i18n.fill("{a}{a}", {"a": 1}) == "11"
    assert i18n.fill("{ not a name }", {"x": 1}) == "{ not a name }"


def test_msg_tells_nested_messages_in_the_same_language():
    m = i18n.msg("lang.switch")
    assert i18n.Msg("page.title").text("ko") == "Backprop Studio"
    assert m.text("ko") == "언어" and m.text("en") == "Language"
    assert m.to_json() == {"key": "lang.switch", "args": {}}


@pytest.mark.parametrize("header, lang", [
    (None, "en"), ("", "en"), ("ko", "ko"), ("ko-KR,ko;q=0.9,en;q=0.8", "ko"),
    ("en-US,en;q=0.9,ko;q=0.8", "en"), ("fr-FR,ko;q=0.5", "ko"), ("fr", "en"), ("ko;q=0, en", "en"),
    ("de;q=0.9,ko;q=x", "en"),
])
def test_the_language_a_request_asks_for(header, lang):
    assert i18n.lang_of(header) == lang


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        i18n.catalogue("fr")
