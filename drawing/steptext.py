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

from engine.i18n import DEFAULT_LANG, text
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


def _forward(doc: dict, step: dict, k: int, total: int, lang: str) -> list[Line]:
    nodes = doc["nodes"]
    node = nodes[step["node"]]
    where = text("export.step.line", lang, line=node["line"], shape=fmt_shape(node["shape"], "words"))
    if node["kind"] == "op":
        lines = [Line("title", text("export.step.forward_op", lang, k=k, total=total, symbol=node["symbol"],
                                    expr=node["expr"])),
                 Line("text", where)]
        ins = ", ".join(f"{nodes[i]['symbol']} = {_value(nodes[i]['value'], nodes[i]['shape'])}"
                        for i in node["inputs"])
        if ins:
            lines.append(Line("value", text("export.step.inputs", lang, inputs=ins)))
    else:
        what = "const" if node["kind"] == "const" else ("frozen" if node["frozen"] else "leaf")
        lines = [Line("title", text("export.step.forward_leaf", lang, k=k, total=total, symbol=node["symbol"],
                                    what=text(f"export.step.{what}", lang))),
                 Line("text", where)]
    lines.append(Line("value", text("export.step.value", lang, symbol=node["symbol"],
                                    value=_value(step["value"], node["shape"]))))
    return lines


def _edge_lines(doc: dict, step: dict, node: dict, edge: dict, lang: str) -> list[Line]:
    nodes = doc["nodes"]
    out = nodes[doc["output"]]
    inp = nodes[edge["input"]]
    lines = [Line("head", text("export.step.to_input", lang, symbol=inp["symbol"], n=edge["position"] + 1))]
    if edge["skipped"]:
        lines.append(Line("text", text("export.step.no_gradient", lang, why=edge["rule"]["text"])))
        return lines
    lines.append(Line("rule", text("export.step.local", lang, rule=edge["rule"]["text"]), edge["rule"]["latex"]))
    lines.append(Line("rule", text("export.step.downstream", lang, rule=edge["downstream_rule"]["text"]),
                      edge["downstream_rule"]["latex"]))
    if not inp["shape"] and not node["shape"] and edge["local"] is not None:
        lines.append(Line("grad", text("export.step.chain_scalar.same", lang, down=fmt_number(edge["downstream"]),
                                       local=fmt_number(edge["local"]), up=fmt_number(step["upstream"]))))
    else:
        # A tensor's local derivative is named by its shape (the panel lists its entries).
        shape = edge["local_shape"]
        local = (fmt_number(edge["local"]) if not shape else fmt_shape(shape, "words") if len(shape) == 1 else
                 text("export.step.jacobian.same", lang, dims="×".join(map(str, shape))))
        lines.append(Line("grad", text("export.step.chain_tensor.same", lang, partial=_partial(out, inp),
                                       down=_value(edge["downstream"], inp["shape"]), local=local,
                                       up=_value(step["upstream"], node["shape"]))))
    return lines


def _backward(doc: dict, step: dict, k: int, total: int, lang: str) -> list[Line]:
    nodes = doc["nodes"]
    node = nodes[step["node"]]
    out = nodes[doc["output"]]
    title = "export.step.backward_op" if node["kind"] == "op" else "export.step.backward_leaf"
    lines = [Line("title", text(title, lang, k=k, total=total, symbol=node["symbol"], expr=node["expr"])),
             Line("grad", text("export.step.upstream", lang, partial=_partial(out, node),
                               value=_value(step["upstream"], node["shape"])))]
    contributions = step["contributions"]
    if len(contributions) > 1:
        lines.append(Line("text", step["sum_rule"] or text("export.step.sum", lang)))
        lines.extend(Line("grad", f"  {c['text']}: {_value(c['downstream'], node['shape'])}")
                     for c in contributions)
    if step["intuition"]:
        lines.append(Line("intuition", step["intuition"]))
    if step["edges"]:
        lines.append(Line("head", text("export.step.to_each", lang)))
        for edge in step["edges"]:
            lines.extend(_edge_lines(doc, step, node, edge, lang))
    elif node["kind"] != "op":
        lines.append(Line("text", text("export.step.no_inputs", lang, symbol=node["symbol"])))
    return lines


def narration_line(doc: dict, k: int, lang: str = "en") -> Line | None:
    """Step k told in a sentence, in `lang` (the document's `narration`), or None at step 0."""
    if k == 0:
        return None
    told = doc["steps"][k - 1].get("narration")
    return Line("narration", told[lang]) if told else None


def step_lines(doc: dict, k: int, lang: str = DEFAULT_LANG) -> list[Line]:
    """What the panel says after ``k`` steps of ``doc`` (0: nothing computed yet), in ``lang``
    (the document's own texts, rules and intuitions, are in the language it was written in)."""
    total = len(doc["steps"])
    if k == 0:
        out = doc["nodes"][doc["output"]]
        return [Line("title", text("export.step.start", lang, total=total)),
                Line("text", text("export.step.start_text", lang, out=out["symbol"]))]
    step = doc["steps"][k - 1]
    lines = (_forward if step["phase"] == "forward" else _backward)(doc, step, k, total, lang)
    told = narration_line(doc, k, lang)
    return [lines[0], told, *lines[1:]] if told else lines
