"""Independent references for the engine tests: programs written from numpy arrays and a
central finite difference computed by re-tracing the program with one leaf entry moved.

Nothing here calls engine.gradcheck or the engine's own re-evaluation: the only thing the
difference trusts is the engine's forward value of a freshly parsed program.
"""
from __future__ import annotations

import copy

import numpy as np

from engine import i18n, trace
from engine.narration import narrations


def literal(a: np.ndarray | float) -> str:
    """A number or nested list written exactly (repr round-trips a float64)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return repr(float(a))
    return "[" + ", ".join(literal(x) for x in a) + "]"


def program(leaves: dict[str, np.ndarray], body: str) -> str:
    """One statement per leaf (`name = <literal>`), then the body."""
    head = "\n".join(f"{k} = {literal(v)}" for k, v in leaves.items())
    return head + "\n" + body


def output(source: str) -> np.ndarray:
    t = trace(source)
    return np.asarray(t.nodes[t.output].value, dtype=np.float64)


def leaf(t, name: str):
    """The leaf node the program bound to `name` (the first node carrying it)."""
    for n in t.nodes:
        if n.kind == "leaf" and name in n.names:
            return n
    raise KeyError(name)


def numeric_grad(leaves: dict[str, np.ndarray], body: str, name: str, h: float = 1e-6) -> np.ndarray:
    """d output / d leaf by central differences (f(θ+h) − f(θ−h)) / 2h, one entry at a time."""
    base = np.asarray(leaves[name], dtype=np.float64)
    grad = np.zeros(base.shape)
    for k in np.ndindex(*base.shape):
        vals = []
        for step in (h, -h):
            moved = base.copy()
            moved[k] += step
            vals.append(float(output(program({**leaves, name: moved}, body))))
        grad[k] = (vals[0] - vals[1]) / (2 * h)
    return grad


def assert_close(actual, expected, rtol: float = 1e-6, atol: float = 1e-7, what: str = "") -> None:
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def told(m: dict | str, lang: str) -> str:
    """A message of the lean document (`{key, args}`, or a plain string) in `lang`."""
    if isinstance(m, str):
        return m
    return i18n.fill(i18n.catalogue(lang)[m["key"]], {k: told(v, lang) for k, v in m["args"].items()})


def named(text: str, names: dict[str, str]) -> str:
    for k, v in names.items():
        text = text.replace("{" + k + "}", v)
    return text


def _records(cols: dict, texts: list) -> list[dict]:
    """A list of records from its columns (engine/packed.py's rules)."""
    out: list[dict] = [{} for _ in range(cols["rows"])]
    for name, c in cols["fields"].items():
        rows = c.get("at", range(cols["rows"]))
        (kind, data), = [(k, v) for k, v in c.items() if k != "at"]
        for i, r in enumerate(rows):
            out[r][name] = data if kind == "all" else texts[data[i]] if kind == "texts" else data[i]
    return out


def _backward(cols: dict, texts: list) -> list[dict]:
    """Backward steps from their three lists of columns (edges and contributions as counts)."""
    edges, contributions = _records(cols["edges"], texts), _records(cols["contributions"], texts)
    out = []
    for b in _records(cols["backward"], texts):
        b["edges"], edges = edges[:b["edges"]], edges[b["edges"]:]
        b["contributions"], contributions = contributions[:b["contributions"]], contributions[b["contributions"]:]
        out.append(b)
    assert not edges and not contributions
    return out


def unpack(packed: dict) -> dict:
    """The lean document from the packed one (engine/packed.py), by its rules."""
    d = copy.deepcopy(packed)
    assert d.pop("packed") is True
    texts = d.pop("texts")
    steps = d["steps"]
    assert steps["forward"] == len(d["nodes"]["fields"] and _records(d["nodes"], texts))
    out = [{"phase": "forward", "node": i} for i in range(steps["forward"])] + _backward(steps, texts)
    d["nodes"], d["steps"] = _records(d["nodes"], texts), out
    if d.get("display") is not None:
        s = d["display"]["statements"]
        for parent, key in ((d["display"], "nodes"), (d["display"], "edges"), (s, "groups"), (s, "edges"),
                            (s, "copies")):
            parent[key] = _records(parent[key], texts)
    return d


def unpack_details(packed: dict) -> tuple[list[dict], list[dict]]:
    """The backward steps and the display model's edges from /api/details's answer."""
    assert packed["packed"] is True and set(packed) == {"packed", "backward", "edges", "contributions",
                                                        "display_edges", "texts"}
    return _backward(packed, packed["texts"]), _records(packed["display_edges"], packed["texts"])


def read_back(lean: dict, lang: str = "en") -> dict:
    """The full document from the lean one (or the packed one), by the modules' rules, its
    texts told in `lang`."""
    d = unpack(lean) if lean.get("packed") else copy.deepcopy(lean)
    assert d.pop("lean") is True
    nodes = d["nodes"]
    edges = {}
    words = {n["id"]: n["symbol"] for n in nodes}
    tex = {n["id"]: n["latex"] for n in nodes}
    out = d["output"]
    for step in d["steps"]:
        node = nodes[step["node"]]
        if step["phase"] == "forward":
            assert set(step) == {"phase", "node"}
            step["value"] = node["value"]
            continue
        assert "upstream" not in step
        step["upstream"] = node["grad"]
        two = len(node["inputs"]) == 2
        for e in step["edges"]:
            other = node["inputs"][1 - e["position"]] if two else None
            w = {"o": words[node["id"]], "x": words[e["input"]], "y": words[other] if two else "·", "s": words[out]}
            t = {"O": tex[node["id"]], "X": tex[e["input"]], "Y": tex[other] if two else r"\cdot", "S": tex[out]}
            for k in ("rule", "downstream_rule"):
                e[k] = {"text": named(told(e[k]["text"], lang), w), "latex": named(told(e[k]["latex"], lang), t)}
        for c in step["contributions"]:
            c["text"] = named(told(c["text"], lang), {"o": words[c["from"]]})
        if step["intuition"] is not None:
            step["intuition"] = told(step["intuition"], lang)
        if step["sum_rule"] is not None:
            step["sum_rule"] = named(told(step["sum_rule"], lang), {"o": words[node["id"]]})
        for e in step["edges"]:
            if "downstream" not in e:
                assert e["skipped"] is None
                e["downstream"] = nodes[e["input"]]["grad"]
            edges[step["node"], e["position"]] = e
        for c in step["contributions"]:
            assert "downstream" not in c
            c["downstream"] = edges[c["from"], c["position"]]["downstream"]
    # the full document's key order, so the two compare as JSON text too
    d["steps"] = [({"phase": s["phase"], "node": s["node"], "value": s["value"]} if s["phase"] == "forward" else
                   {"phase": "backward", "node": s["node"], "op": s["op"], "upstream": s["upstream"],
                    "contributions": [{"from": c["from"], "position": c["position"], "text": c["text"],
                                       "downstream": c["downstream"]} for c in s["contributions"]],
                    "edges": [{k: e[k] for k in ("input", "position", "local", "local_shape", "downstream",
                                                  "skipped", "rule", "downstream_rule")} for e in s["edges"]],
                    "intuition": s["intuition"], "sum_rule": s["sum_rule"]}) for s in d["steps"]]
    # the narration is not sent: it is told from the records read back (the page's narration.js)
    for step, said in zip(d["steps"], narrations(d)):
        step["narration"] = said
    return d
