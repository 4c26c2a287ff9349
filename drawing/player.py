"""The walkthrough player: one HTML file that steps through a trace offline, with no server.

The graph is the program's one ``dot`` drawing (drawing/svg.py), carried as its node and
edge groups with the slots in them: the slot values at step ``first``, then for each later
step only the slots that change, each filled exactly as ``Drawing.svg_at`` fills it; the
player writes again only the groups whose slots changed. Beside it, what the node panel
says at each step, as plain text. static/player/player.js shows them (the same
script is the notebook widget's, drawing/notebook.py); the HTML inlines it, its stylesheet
and the data, and its Content-Security-Policy allows nothing else: no request of any kind.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path

from engine.i18n import DEFAULT_LANG, text
from engine.shapes import fmt_shape

from . import svg
from .display import PLACEHOLDER_GRAD, check_step, current_node, display_model, fmt_number
from .errors import StepOutOfRange
from .export import render, resolve_direction
from .steptext import narration_line

PLAYER_DIR = Path(__file__).resolve().parents[1] / "static" / "player"
PANEL_ITEMS = 6                 # vector entries the panel writes out before "…"
PANEL_MATRIX = 4                # matrices up to 4×4 are written out, larger ones summarized


def player_script() -> str:
    """The player's script (an ES module: ``export default { render }``)."""
    return (PLAYER_DIR / "player.js").read_text(encoding="utf-8")


def player_css() -> str:
    """The player's stylesheet."""
    return (PLAYER_DIR / "player.css").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the graph at every step

def _frames(doc: dict, model: dict, direction: str, first: int, last: int) -> dict:
    """The graph at each step: the SVG's node and edge groups as templates with slots, the
    slot values at ``first``, and for each later step the slots that change
    (``[[slot, value], …]``); or, from a Graphviz whose SVG cannot be cut, each step whole."""
    drawing = svg.full_drawing(doc, model, direction)
    groups = _groups(drawing) if drawing.draws(model) else None
    if groups is None:
        return {"whole": [_from_svg_tag(render(doc, "svg", k, model=model, direction=direction).decode("utf-8"))
                          for k in range(first, last + 1)]}
    slots_of: dict[str, list[tuple[int, str]]] = {}
    for i, (gid, field) in enumerate(drawing.slots):
        slots_of.setdefault(gid, []).append((i, field))
    items: dict[str, tuple[str, dict]] = {d["svg_id"]: ("node", d) for d in model["nodes"]}
    items.update((e["id"], ("edge", e)) for e in model["edges"])
    touching: dict[int, list[str]] = {d["id"]: [d["svg_id"]] for d in model["nodes"]}
    for e in model["edges"]:
        touching[e["input"]].append(e["id"])
        touching[e["node"]].append(e["id"])

    def fill(gids, k: int, current: int | None, values: list[str]) -> list[list]:
        """Set the slots of ``gids`` for step k in ``values``; the ones that changed."""
        changed = []
        for gid in gids:
            kind, d = items[gid]
            fields = drawing.group_fields(kind, d, k, current)
            for i, field in slots_of.get(gid, ()):
                if values[i] != fields[field]:
                    values[i] = fields[field]
                    changed.append([i, fields[field]])
        return changed

    values = [""] * len(drawing.slots)
    fill(items, first, current_node(doc, first, True), values)
    base = list(values)
    changes = []
    for k in range(first + 1, last + 1):
        # A step changes only its node and the edges at it (a value or gradient appears),
        # and the highlight, which moves from the last step's node to this one's.
        nodes = {doc["steps"][k - 1]["node"]} | ({doc["steps"][k - 2]["node"]} if k >= 2 else set())
        gids = dict.fromkeys(gid for nid in sorted(nodes) for gid in touching[nid])
        changes.append(fill(gids, k, current_node(doc, k, True), values))
    return {**groups, "base": base, "changes": changes}


def _groups(drawing: svg.Drawing) -> dict | None:
    """The drawing as the text around its node and edge groups (``outer``) and each group
    as its parts with the slots between them, so one group can be written again alone.
    None if a group's slots are not together (a drawing this cannot cut by group)."""
    pieces = list(drawing.pieces)
    pieces[0] = _from_svg_tag(pieces[0])
    runs: list[tuple[str, int, int]] = []              # group id, its first slot, its last slot
    for i, (gid, _) in enumerate(drawing.slots):
        if runs and runs[-1][0] == gid:
            runs[-1] = (gid, runs[-1][1], i)
        else:
            runs.append((gid, i, i))
    if len({gid for gid, _, _ in runs}) != len(runs):
        return None
    outer, groups, rest = [], [], pieces[0]            # rest: the text not yet given out
    for n, (gid, a, b) in enumerate(runs):
        # Each group's first slot is its class, in its opening tag; its last slot is a text
        # just before its closing tag. Slot values never hold "<".
        start = rest.rfind("<g id=")
        tail = pieces[b + 1]
        end = tail.find("</g>")
        if start < 0 or end < 0:
            return None
        end += len("</g>")
        outer.append(rest[:start])
        groups.append({"id": gid, "parts": [rest[start:], *pieces[a + 1:b + 1], tail[:end]],
                       "slots": list(range(a, b + 1))})
        rest = tail[end:]
    outer.append(rest)
    return {"outer": outer, "groups": groups}


def _from_svg_tag(text: str) -> str:
    """Graphviz's SVG from its <svg> tag on (no XML prolog or doctype inside a page)."""
    return text[text.find("<svg"):]


def svg_of(data: dict, k: int) -> str:
    """The SVG after ``k`` steps, put together from the player's data as the script does."""
    frames = data["frames"]
    if "whole" in frames:
        return frames["whole"][k - data["first"]]
    values = list(frames["base"])
    for change in frames["changes"][: k - data["first"]]:
        for i, value in change:
            values[i] = value
    out = [frames["outer"][0]]
    for group, after in zip(frames["groups"], frames["outer"][1:]):
        parts = group["parts"]
        out.append(parts[0])
        for slot, part in zip(group["slots"], parts[1:]):
            out += [values[slot], part]
        out.append(after)
    return "".join(out)


# ---------------------------------------------------------------- what the panel says

def value_text(value, shape: list[int], lang: str = DEFAULT_LANG) -> str:
    """A value for the panel: a number, a short vector or matrix written out, a larger one
    by its first entries or its norm."""
    if value is None:
        return "—"
    if not shape:
        return fmt_number(value)
    if len(shape) == 1:
        items = [fmt_number(v) for v in value[:PANEL_ITEMS]]
        more = text("player.more", lang, n=shape[0]) if shape[0] > PANEL_ITEMS else ""
        return "[" + ", ".join(items) + more + "]"
    if len(shape) == 2 and shape[0] <= PANEL_MATRIX and shape[1] <= PANEL_MATRIX:
        return "[" + ", ".join("[" + ", ".join(fmt_number(v) for v in row) + "]" for row in value) + "]"
    flat = _flatten(value)
    norm = sum(float(v) * float(v) for v in flat) ** 0.5
    return text("player.norm", lang, shape=fmt_shape(shape, "words"), norm=fmt_number(norm))


def _flatten(value) -> list:
    return [x for v in value for x in _flatten(v)] if isinstance(value, list) else [value]


def _ordinal(n: int, lang: str) -> str:
    """``n`` as an ordinal ("2nd"); the catalogue holds each language's forms."""
    form = "th" if 10 <= n % 100 <= 20 else {1: "1", 2: "2", 3: "3"}.get(n % 10, "th")
    return text(f"player.ordinal.{form}", lang, n=n)


def panel_at(doc: dict, model: dict, k: int, lang: str = DEFAULT_LANG) -> dict:
    """What the panel says after step ``k``: the step told in a sentence, the step's node, a few rows (label, text, and
    whether the text is a value or a gradient), the sum rule and the intuition, and for a
    backward step each input edge's local and downstream gradient; its own words in ``lang``."""
    def t(key: str, **args) -> str:
        return text("player." + key, lang, **args)

    total = len(doc["steps"])
    if k == 0:
        return {"step": 0, "phase": "start", "label": text("export.step.start", lang, total=total),
                "narration": None, "node": None, "rows": [["", t("start_row"), ""]],
                "note": None, "edges": [], "intuition": None}
    step = doc["steps"][k - 1]
    node = doc["nodes"][step["node"]]
    header = model["nodes"][node["id"]]["header"]
    label = t("label", k=k, total=total, phase=step["phase"], header=header)
    told = narration_line(doc, k, lang)
    base = {"step": k, "phase": step["phase"], "label": label, "narration": told.text if told else None,
            "node": node["id"],
            "note": None, "edges": [], "intuition": None}
    if step["phase"] == "forward":
        if node["kind"] == "const":
            what = t("constant", expr=node["expr"])
        elif node["kind"] == "leaf":
            what = f"{node['symbol']} = {node['expr']}  " + t("frozen_leaf" if node["frozen"] else "leaf")
        else:
            what = f"{node['symbol']} = {node['expr']}"
        # the last step of a trace without a backward pass says why there is none
        note = "; ".join(m["message"] for m in doc["messages"]) if k == total and not doc["backward"] else None
        rows = [[t("computes"), what, ""], [t("shape"), fmt_shape(node["shape"], "words"), ""],
                [t("value"), value_text(step["value"], node["shape"], lang), "val"]]
        return {**base, "rows": rows, "note": note or None}
    out = doc["nodes"][doc["output"]]["symbol"]
    up = value_text(step["upstream"], node["shape"], lang)
    rows = [[t("upstream", partial=f"∂{out}/∂{node['symbol']}"),
             up + ("  " + t("the_output") if node["id"] == doc["output"] else ""), "grad"]]
    contributions = step["contributions"]
    if len(contributions) > 1:
        rows += [[c["text"], value_text(c["downstream"], node["shape"], lang), "grad"] for c in contributions]
        if not node["shape"]:
            parts = " + ".join(fmt_number(c["downstream"]) for c in contributions).replace("+ -", "- ")
            rows.append([t("sum"), f"{up} = {parts}", "grad"])
    elif contributions:
        rows.append(["", contributions[0]["text"], ""])
    edges = []
    for e in step["edges"]:
        inp = doc["nodes"][e["input"]]
        title = t("to_input", header=model["nodes"][inp["id"]]["header"], ordinal=_ordinal(e["position"] + 1, lang))
        if e["skipped"]:
            edges.append({"title": title, "skipped": True,
                          "rows": [[t("no_gradient"), e["rule"]["text"], ""]]})
            continue
        down = value_text(e["downstream"], inp["shape"], lang)
        erows = [[t("local"), e["rule"]["text"], ""],
                 ["", value_text(e["local"], e["local_shape"], lang), "val"],
                 [t("downstream"), e["downstream_rule"]["text"], ""]]
        if not inp["shape"] and not node["shape"] and not e["local_shape"]:
            erows.append([t("chain.same"), f"{down} = {fmt_number(e['local'])} × {up}", "grad"])
        else:
            erows.append(["", down, "grad"])
        edges.append({"title": title, "skipped": False, "rows": erows})
    return {**base, "rows": rows, "note": step["sum_rule"] if len(contributions) > 1 else None,
            "edges": edges, "intuition": step["intuition"]}


# ---------------------------------------------------------------- the player

UI_KEYS = ("to_each", "step", "fit", "fit_short", "first", "previous", "next", "last", "program")


def player_data(doc: dict, *, first: int = 0, last: int | None = None, direction: str | None = None,
                lang: str = DEFAULT_LANG) -> dict:
    """Everything the player shows for steps ``first``..``last`` of a trace document: the
    graph at each step (``frames``), the panel's texts (``panels``) and the player's own
    words (``ui``), in ``lang``. Strings and integers only, so it is JSON as it is."""
    total = len(doc["steps"])
    first = check_step(doc, first)
    last = check_step(doc, last)
    if first > last:
        raise StepOutOfRange(f"the first step ({first}) is after the last ({last})")
    model = display_model(doc)
    direction = resolve_direction(doc, direction or "auto", model)
    source_lines = doc["source"].strip().splitlines()
    return {"first": first, "last": last, "total": total, "placeholder": PLACEHOLDER_GRAD,
            "title": source_lines[-1].strip() if source_lines else "",
            "source": doc["source"],
            "frames": _frames(doc, model, direction, first, last),
            "panels": [panel_at(doc, model, k, lang) for k in range(first, last + 1)],
            "lang": lang, "ui": {key: text(f"player.ui.{key}", lang) for key in UI_KEYS}}


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _json_in_html(data: dict) -> str:
    """JSON safe inside a <script> element: no "<" (so no "</script>"), no line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def player_html(doc: dict, *, first: int = 0, last: int | None = None, direction: str | None = None,
                lang: str = DEFAULT_LANG) -> str:
    """The player as one self-contained HTML file: steps ``first``..``last`` of a trace
    document (``Trace.to_dict()``), drawn ``direction`` ("LR", "TB"; None: chosen from the
    graph's shape). It opens from disk and requests nothing: its script and style are
    inline, allowed by their hashes alone. Its own words are in ``lang``."""
    data = player_data(doc, first=first, last=last, direction=direction, lang=lang)
    script = player_script()
    if "</script" in script.lower():
        raise ValueError("the player's script cannot be inlined: it contains </script")
    script += "\nstandalone(document.getElementById(\"bp-player\"), \"bp-data\");\n"
    css = player_css()
    csp = (f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(css)}; "
           "base-uri 'none'; form-action 'none'")
    title = html.escape(text("player.title", lang, program=data["title"]) if data["title"]
                        else text("player.title_plain", lang))
    return (
        f"<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{title}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        "<div id=\"bp-player\" class=\"bp-player standalone\"></div>\n"
        f"<script type=\"application/json\" id=\"bp-data\">{_json_in_html(data)}</script>\n"
        f"<script type=\"module\">{script}</script>\n</body>\n</html>\n")
