"""The packed trace document: the lean document (engine/lean.py) in columns, for the wire.

`pack(doc)` writes the same records with fewer bytes; the page's `static/studio/lean.js`
(`unpack`) and `tests/engine/reference.py` (`unpack`) read it back to the very same records:

- **Columns, not records.** A list of records (the nodes, the backward steps, the edges and
  contributions of every backward step one after another, the display model's lists) is
  `{"rows": n, "fields": {name: column}}`, each column one of `{"all": v}` (every row has v),
  `{"values": [...]}` (one per row) or `{"texts": [i, ...]}` (indexes into the document's
  `texts` table). A field that some rows lack also has `"at"`: the rows that have it, the
  column then running over those rows only.
- **Forward steps implied.** The lean document's forward steps are `{phase, node}` for every
  node in id order; the packed one writes only how many (`"forward": n`).
- **Each text once.** `texts` is the interning table: every distinct JSON value of a text-ish
  field (rules, intuitions, sum rules, contributions' texts, ops, labels, names, shapes, the
  display model's texts...) stored once, by its JSON (so equal messages `{key, args}` are one
  entry too), and referenced by index. A field of numbers stays numbers; a node's value and
  gradient and an edge's local and downstream are never interned (big, rarely equal).
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable

import orjson

from . import document as doc
from .columns import Columns
from .trace import no_gc

# Fields never interned: the numbers of values and gradients (big, and rarely equal).
RAW = frozenset({"value", "grad", "local", "downstream", "first", "preview"})
# Fields always interned (the texts the issue names), whatever their share of repeats.
TEXTS = frozenset({"rule", "downstream_rule", "intuition", "sum_rule", "text"})
# The display model's lists of records, packed the same way (paths from the display model).
DISPLAY_LISTS = (("nodes",), ("edges",), ("statements", "groups"), ("statements", "edges"),
                 ("statements", "copies"))
_NUMBER = frozenset({int, float, bool, type(None)})
SAMPLE = 256       # values looked at to judge whether a field (not a text) repeats enough


class Texts:
    """The interning table: each distinct JSON value once, by its JSON text."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.index: dict[Any, int] = {}

    def add(self, values: list[Any], keys: list[Any]) -> list[int]:
        index, table = self.index, self.values
        for k, v in dict(zip(keys, values)).items():    # each key once, in order of first use
            if k not in index:
                index[k] = len(table)
                table.append(v)
        return list(map(index.__getitem__, keys))


def _key(v: Any) -> Any:
    """A value's interning key: equal keys for equal JSON. A string, None, a list of strings and a
    dict of strings are their own key (a str, None or a tuple: never equal to each other or to the
    JSON bytes of any other value); anything else its JSON."""
    t = type(v)
    if t is str or v is None:
        return v
    if t is list and all(type(x) is str for x in v):
        return tuple(v)
    if t is dict and all(type(x) is str for x in v.values()):
        return (_DICT, *v.items())         # a node's attrs, mostly {} or {"init": "literal"}
    return orjson.dumps(v)


_DICT = object()       # marks a dict's key: no list of strings makes a tuple holding it


def _keys(values: list[Any], types: set[type]) -> list[Any]:
    """`_key` of each value; a column of lists of strings, or of dicts of strings (a node's names,
    its attrs), keyed at once."""
    if types == {list} and all(type(x) is str for v in values for x in v):
        return list(map(tuple, values))
    if types == {dict} and all(type(x) is str for v in values for x in v.values()):
        return [(_DICT, *v.items()) for v in values]
    return list(map(_key, values))


def column(name: str, values: list[Any], texts: Texts) -> dict[str, Any]:
    """One field's values as a column (see the module's docstring)."""
    if name in RAW or not values:
        return {"values": values}
    first = values[0]
    types = set(map(type, values))
    if len(types) == 1 and values.count(first) == len(values):
        return {"all": first}
    if types <= _NUMBER:
        return {"values": values}
    if name not in TEXTS:             # mostly distinct in a sample: not worth a table entry each
        sample = values[:SAMPLE]
        if 2 * len(set(map(_key, sample))) > len(sample):
            return {"values": values}
    keys = values if types == {str} else _keys(values, types)
    if name in TEXTS or 2 * len(set(keys)) <= len(values):
        return {"texts": texts.add(values, keys)}
    return {"values": values}


def columns(records: list[dict[str, Any]] | Columns, texts: Texts) -> doc.Columns:
    """Records (dicts, or already `Columns`) as columns; a field some records lack gets `at`, its rows."""
    if isinstance(records, Columns):
        if not records.rows:
            return {"rows": 0, "fields": {}}
        return {"rows": records.rows, "fields": {k: column(k, v, texts) for k, v in records.fields.items()}}
    n = len(records)
    if not n:
        return {"rows": 0, "fields": {}}
    first = records[0].keys()
    out: dict[str, Any] = {}
    order = tuple(first)
    if all(map(order.__eq__, map(tuple, records))):   # the same fields in the same order: transposed at once
        for name, values in zip(order, zip(*map(dict.values, records))):
            out[name] = column(name, list(values), texts)
        return {"rows": n, "fields": out}
    if all(map(first.__eq__, map(dict.keys, records))):
        for name in order:
            out[name] = column(name, list(map(itemgetter(name), records)), texts)
        return {"rows": n, "fields": out}
    fields: dict[str, list[int]] = {}
    for r, rec in enumerate(records):
        for k in rec:
            rows = fields.get(k)
            if rows is None:
                fields[k] = [r]
            else:
                rows.append(r)
    for name, rows in fields.items():
        if len(rows) == n:
            out[name] = column(name, list(map(itemgetter(name), records)), texts)
        else:
            out[name] = {**column(name, [records[r][name] for r in rows], texts), "at": rows}
    return {"rows": n, "fields": out}


def pack(lean: dict[str, Any]) -> dict[str, Any]:
    """The lean document (with or without the display model and the drawing's keys) packed."""
    with no_gc():
        return _pack(lean)


def _pack(lean: dict[str, Any]) -> dict[str, Any]:
    texts = Texts()
    nodes, steps = lean["nodes"], lean["steps"]
    forward = 0
    while forward < len(steps) and steps[forward]["phase"] == "forward":
        s = steps[forward]
        if s["node"] != forward or len(s) != 2:
            raise ValueError(f"forward step {forward} is not node {forward}'s: {s}")
        forward += 1
    if forward != len(nodes):
        raise ValueError(f"{forward} forward steps for {len(nodes)} nodes")
    out = {k: v for k, v in lean.items() if k not in ("nodes", "steps", "display")}
    rest = steps[forward:]
    if lean.get("details") == "later" and rest:       # node and op only (engine/lean.py): two columns
        fields = {"phase": {"all": "backward"}, "node": column("node", [s["node"] for s in rest], texts),
                  "op": column("op", [s["op"] for s in rest], texts), "contributions": {"all": 0},
                  "edges": {"all": 0}, "intuition": {"all": None}, "sum_rule": {"all": None}}
        empty: dict[str, Any] = {"rows": 0, "fields": {}}
        backward = {"backward": {"rows": len(rest), "fields": fields}, "edges": empty, "contributions": dict(empty)}
    else:
        backward = _backward(rest, texts)
    out.update(packed=True, nodes=columns(nodes, texts), steps={"forward": forward, **backward})
    if lean.get("display") is not None:
        display = dict(lean["display"])
        display["statements"] = dict(display["statements"])
        for path in DISPLAY_LISTS:
            parent = display if len(path) == 1 else display[path[0]]
            parent[path[-1]] = columns(parent[path[-1]], texts)
        out["display"] = display
    out["texts"] = texts.values
    return out


def _backward(steps: list[dict[str, Any]], texts: Texts, check: Callable[[], None] | None = None) -> dict[str, Any]:
    """Backward steps as three lists of columns: the steps (edges and contributions as counts),
    then all their edges, then all their contributions (`check` called between them)."""
    backward, edges, contributions = [], [], []
    for s in steps:
        backward.append({k: (len(v) if k in ("edges", "contributions") else v) for k, v in s.items()})
        edges.extend(s["edges"])
        contributions.extend(s["contributions"])
    out = {}
    for name, records in (("backward", backward), ("edges", edges), ("contributions", contributions)):
        if check is not None:
            check()
        out[name] = columns(records, texts)
    return out


def pack_details(backward: list[dict[str, Any]], display_edges: list[dict[str, Any]],
                 check: Callable[[], None] | None = None) -> dict[str, Any]:
    """The details a document made without them leaves for later (`lean_document(t, details=False)`):
    the backward steps in full (`lean_backward`) and the display model's edges, packed alike.
    `check` is called between the lists (as `lean_backward` calls it)."""
    with no_gc():
        texts = Texts()
        out: dict[str, Any] = {"packed": True, **_backward(backward, texts, check)}
        if check is not None:
            check()
        out["display_edges"] = columns(display_edges, texts)
        out["texts"] = texts.values
        return out
