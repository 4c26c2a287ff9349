"""The glossary page's terms: each term of the lecture notes with the place in the studio
that shows it, as a link in the address format the page reads (static/studio/share.js):
`/#program=<encoded>&step=K&view=…`. The words (term, Korean gloss, meaning, what the link
shows) are the catalogue's `glossary.<id>.*`; tests/app/test_glossary.py checks that each
link's step shows the node named here."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from engine import i18n

from .examples import EXAMPLES


@dataclass(frozen=True)
class Place:
    """Where a term shows: a gallery program at a step (the node that step shows, for the
    tests), in a view, with the address's other parts (a Tips part, the panel's tab)."""
    example: str
    step: int = 0
    node: str | None = None          # the symbol of the node step `step` shows
    phase: str | None = None         # ... and its phase
    view: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


TERMS: list[tuple[str, Place]] = [
    ("computation-graph", Place("lecture")),
    ("node", Place("lecture", 4, "v3", "forward")),
    ("leaf", Place("lecture", 1, "x", "forward")),
    ("edge", Place("lecture", 6, "f", "forward")),
    ("topological-order", Place("lecture")),
    ("step", Place("lecture", 1, "x", "forward")),
    ("forward-propagation", Place("lecture", 6, "f", "forward")),
    ("forward", Place("lecture", 5, "v4", "forward")),
    ("backpropagation", Place("lecture", 7, "f", "backward")),
    ("backward", Place("lecture", 9, "v3", "backward")),
    ("gradient", Place("lecture", 12, "x", "backward")),
    ("upstream-gradient", Place("lecture", 8, "v4", "backward")),
    ("local-gradient", Place("lecture", 8, "v4", "backward")),
    ("downstream-gradient", Place("lecture", 9, "v3", "backward")),
    ("chain-rule", Place("sigmoid-neuron", 11, "a", "backward")),
    ("successor", Place("used-twice", 9, "x", "backward")),
    ("jacobian", Place("two-layer", 17, "v5", "backward")),
    ("error-signal", Place("two-layer", 16, "v6", "backward")),
    ("hidden-layer", Place("two-layer", 8, "h", "forward")),
    ("activation-function", Place("two-layer", 8, "h", "forward", "tips", {"tips": "activations"})),
    ("weight", Place("two-layer", 21, "W1", "backward")),
    ("loss", Place("two-layer", 11, "loss", "forward")),
    ("word-vector", Place("frozen-word-vectors")),
    ("regularization", Place("softmax-l2", 13, "penalty", "backward")),
    ("gradient-check", Place("lecture", 12, "x", "backward", extra={"tab": "gradcheck"})),
    ("parameter", Place("two-layer", view="train")),
    ("learning-rate", Place("two-layer", view="train")),
    ("optimizer", Place("two-layer", view="train")),
    ("update", Place("two-layer", view="train")),
    ("initialization", Place("deep-tanh", view="tips")),
    ("vectorization", Place("two-layer", view="tips", extra={"tips": "vectorize"})),
]

URI_SAFE = "!'()*~"           # what JavaScript's encodeURIComponent leaves as it is
SOURCES = {e["id"]: e["source"] for e in EXAMPLES}


def link(place: Place, lang: str) -> str:
    """The studio's address showing `place`, in `lang`."""
    source = SOURCES[place.example].removesuffix("\n")      # as the gallery loads it into the editor
    h = f"/#program={quote(source, safe=URI_SAFE)}&step={place.step}"
    if place.view:
        h += f"&view={place.view}"
    for k, v in place.extra.items():
        h += f"&{k}={quote(v, safe=URI_SAFE)}"
    return h + f"&lang={lang}"


def entries(lang: str) -> list[dict[str, str]]:
    """The glossary's rows in `lang`: term, Korean gloss, meaning, the link and what it shows."""
    rows = []
    for term_id, place in TERMS:
        key = f"glossary.{term_id}"
        rows.append({
            "id": term_id,
            "term": i18n.text(f"{key}.term.same", lang),
            "gloss": i18n.text(f"{key}.gloss.same", lang),
            "meaning": i18n.text(f"{key}.meaning", lang),
            "where": i18n.text(f"{key}.where", lang, step=str(place.step)),
            "href": link(place, lang),
        })
    return rows
