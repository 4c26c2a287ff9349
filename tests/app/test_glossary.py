"""The glossary page: every term of the notes in both languages, each linked to the studio at
a place that shows it (the address format static/studio/share.js reads)."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.examples import EXAMPLES
from app.glossary import TERMS, entries
from app.main import create_app
from engine import i18n
from engine.trace import trace

SOURCES = {e["id"]: e["source"] for e in EXAMPLES}
NOTES_TERMS = ["Computation Graph", "Forward Propagation", "Backpropagation", "upstream gradient",
               "local gradient", "downstream gradient", "chain rule", "topological order", "node", "edge",
               "Jacobian", "gradient check", "learning rate", "optimizer", "activation function",
               "initialization", "regularization", "vectorization", "parameter", "weight", "hidden layer",
               "update", "loss", "step"]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def address(href: str) -> dict[str, str]:
    """The studio address's parts, read as the page reads them (URLSearchParams of the hash)."""
    parts = urlsplit(href)
    assert parts.path == "/" and not parts.query, href
    return {k: v[0] for k, v in parse_qs(parts.fragment, keep_blank_values=True).items()}


def test_every_term_of_the_notes_is_there_with_a_korean_gloss():
    terms = {row["term"] for row in entries("en")}
    assert set(NOTES_TERMS) <= terms, set(NOTES_TERMS) - terms
    for row in entries("ko"):
        assert re.search("[가-힣]", row["gloss"]) and re.search("[가-힣]", row["meaning"]), row
        assert re.search("[가-힣]", row["where"]), row


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_each_link_opens_a_gallery_program_at_a_step_that_shows_the_term(lang):
    for (term_id, place), row in zip(TERMS, entries(lang)):
        a = address(row["href"])
        assert a["program"] == SOURCES[place.example].removesuffix("\n"), term_id
        assert a["lang"] == lang
        assert a.get("view", "graph") in {"graph", "train", "tips"}
        assert a.get("tips", "layers") in {"layers", "activations", "vectorize"}
        k = int(a["step"])
        steps = trace(a["program"]).to_dict()
        assert 0 <= k <= len(steps["steps"]), term_id
        if place.node is not None:          # the step shows the node the row names
            step = steps["steps"][k - 1]
            assert (step["phase"], steps["nodes"][step["node"]]["symbol"]) == (place.phase, place.node), term_id
            if a.get("view", "graph") == "graph":       # the link says which step it opens
                assert str(k) in row["where"], (term_id, row["where"])


@pytest.mark.parametrize("lang, heading", [("en", "Glossary of the lecture's terms"), ("ko", "강의 용어집")])
def test_the_glossary_page_in_each_language(client, lang, heading):
    page = client.get(f"/glossary?lang={lang}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f'<html lang="{lang}">' in text and heading in text
    hrefs = [html.unescape(h) for h in re.findall(r'class="term-link" href="([^"]+)"', page.text)]
    assert hrefs == [row["href"] for row in entries(lang)]
    for row in entries(lang):
        assert row["meaning"] in text and row["gloss"] in text


def test_the_glossary_follows_accept_language_and_the_studio_links_to_it(client):
    assert "강의 용어집" in client.get("/glossary", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).text
    assert 'href="/glossary?lang=ko"' in client.get("/?lang=ko").text
    assert 'href="/glossary?lang=en"' in client.get("/").text
