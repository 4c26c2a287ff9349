"""What the node panel says at step k, as plain text lines for the walkthrough exports.

Each line has a kind, which says how a format shows it: ``title`` (the step), ``head`` (a
part of the panel), ``text``, ``value`` (forward numbers), ``grad`` (gradient numbers, red as
on the page), ``rule`` (a formula, with its LaTeX where the document has one) and
``intuition``; ``narration`` is the step told in a sentence (the document's ``narration``).
The words follow the page's panel: upstream, then for each input the local
derivative and ``downstream = local × upstream`` in numbers, the rule and the intuition.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from engine.shapes import fmt_shape

from .display import fmt_number, short_value


class Line(NamedTuple):
    """One line of a step's text: its kind, its words, and its LaTeX where there is one."""
    kind: str
    text: str
    latex: str | None = None


def _value(x: Any, shape: list[int]) -> str:
    """A value as the node labels write it (scalars to 4 digits, tensors shortened)."""
    return short_value(x, shape) if shape else fmt_number(x)


def _partial(out: dict, node: dict) -> str:
    return f"∂{out['symbol']}/∂{node['symbol']}"


def _forward(doc: dict, step: dict, k: int, total: int) -> list[Line]:
    nodes = doc["nodes"]
    node = nodes[step["node"]]
    shape = fmt_shape(node["shape"], "words")
    if node["kind"] == "op":
        lines = [Line("title", f"Step {k} of {total} · forward: {node['symbol']} = {node['expr']}"),
                 Line("text", f"line {node['line']}, {shape}")]
        ins = ", ".join(f"{nodes[i]['symbol']} = {_value(nodes[i]['value'], nodes[i]['shape'])}"
                        for i in node["inputs"])
        if ins:
            lines.append(Line("value", "inputs: " + ins))
    else:
        what = "a constant" if node["kind"] == "const" else ("a frozen leaf" if node["frozen"] else "a leaf")
        lines = [Line("title", f"Step {k} of {total} · forward: {node['symbol']}, {what}"),
                 Line("text", f"line {node['line']}, {shape}")]
    lines.append(Line("value", f"value {node['symbol']} = {_value(step['value'], node['shape'])}"))
    return lines


def _edge_lines(doc: dict, step: dict, node: dict, edge: dict) -> list[Line]:
    nodes = doc["nodes"]
    out = nodes[doc["output"]]
    inp = nodes[edge["input"]]
    lines = [Line("head", f"to {inp['symbol']} (input {edge['position'] + 1})")]
    if edge["skipped"]:
        lines.append(Line("text", f"no gradient: {edge['rule']['text']}"))
        return lines
    lines.append(Line("rule", "local " + edge["rule"]["text"], edge["rule"]["latex"]))
    lines.append(Line("rule", "downstream " + edge["downstream_rule"]["text"], edge["downstream_rule"]["latex"]))
    if not inp["shape"] and not node["shape"] and edge["local"] is not None:
        lines.append(Line("grad", f"downstream = local × upstream: {fmt_number(edge['downstream'])} = "
                                  f"{fmt_number(edge['local'])} × {fmt_number(step['upstream'])}"))
    else:
        # A tensor's local derivative is named by its shape (the panel lists its entries).
        shape = edge["local_shape"]
        local = (fmt_number(edge["local"]) if not shape else
                 fmt_shape(shape, "words") if len(shape) == 1 else "Jacobian " + "×".join(map(str, shape)))
        lines.append(Line("grad", f"downstream = local × upstream: {_partial(out, inp)} = "
                                  f"{_value(edge['downstream'], inp['shape'])} "
                                  f"(local {local}, upstream {_value(step['upstream'], node['shape'])})"))
    return lines


def _backward(doc: dict, step: dict, k: int, total: int) -> list[Line]:
    nodes = doc["nodes"]
    node = nodes[step["node"]]
    out = nodes[doc["output"]]
    lines = [Line("title", f"Step {k} of {total} · backward at {node['symbol']}"
                           + (f" = {node['expr']}" if node["kind"] == "op" else "")),
             Line("grad", f"upstream {_partial(out, node)} = {_value(step['upstream'], node['shape'])}")]
    contributions = step["contributions"]
    if len(contributions) > 1:
        lines.append(Line("text", step["sum_rule"] or "the sum of its contributions"))
        lines.extend(Line("grad", f"  {c['text']}: {_value(c['downstream'], node['shape'])}")
                     for c in contributions)
    if step["intuition"]:
        lines.append(Line("intuition", step["intuition"]))
    if step["edges"]:
        lines.append(Line("head", "To each input: downstream = local × upstream"))
        for edge in step["edges"]:
            lines.extend(_edge_lines(doc, step, node, edge))
    elif node["kind"] != "op":
        lines.append(Line("text", f"{node['symbol']} has no inputs: its gradient is complete."))
    return lines


def narration_line(doc: dict, k: int, lang: str = "en") -> Line | None:
    """Step k told in a sentence, in `lang` (the document's `narration`), or None at step 0."""
    if k == 0:
        return None
    told = doc["steps"][k - 1].get("narration")
    return Line("narration", told[lang]) if told else None


def step_lines(doc: dict, k: int) -> list[Line]:
    """What the panel says after ``k`` steps of ``doc`` (0: nothing computed yet)."""
    total = len(doc["steps"])
    if k == 0:
        out = doc["nodes"][doc["output"]]
        return [Line("title", f"Step 0 of {total} · nothing computed yet"),
                Line("text", f"The forward pass computes every value up to {out['symbol']}; "
                             "the backward pass then sends the gradient back, node by node.")]
    step = doc["steps"][k - 1]
    lines = (_forward if step["phase"] == "forward" else _backward)(doc, step, k, total)
    told = narration_line(doc, k)
    return [lines[0], told, *lines[1:]] if told else lines
