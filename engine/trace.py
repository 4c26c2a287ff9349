"""A trace: the graph of one program with every forward and backward step recorded."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import cached_property
from typing import Any, Callable, Iterator

import networkx as nx

from . import document as doc
from .autodiff import (BackwardRecord, BackwardStep, ForwardStep, Symbols, forward_step_dict, run_backward,
                       run_forward, step_dicts, step_objects)
from .columns import Columns
from .graph import Graph, Node
from .i18n import Msg, msg
from .inits import InitName, check_init, switch_inits
from .narration import narrations
from .shapes import fmt_shape
from .parser import build
from .source import one_line_break
from .stats import node_stats


class Trace:
    """The result of `trace(source)`. `to_dict()` is the JSON document of the README."""

    def __init__(self, source: str, graph: Graph, output: int, init: InitName | None = None) -> None:
        self.source = source
        self.init = init
        self.nodes: list[Node] = graph.nodes
        self.output = output
        self._graph = graph
        self.messages: list[doc.Message] = []
        if init is not None and not switch_inits(graph, init):
            self.warn(msg("error.warning.init_nothing", init=init), 1, 1)
        run_forward(graph)
        # The backward pass keeps its steps as compact records; the step objects and the
        # JSON document are made from them when first asked for.
        self._records: list[BackwardRecord] = []
        out = self.nodes[output]
        self.backward_ran = out.shape == ()
        what = msg("error.train.output_named.same", name=out.name) if out.name else msg("error.train.output_last")
        if self.backward_ran:
            self._records = run_backward(graph, output)
        if self.backward_ran and not out.requires_grad:     # known once backward has marked the nodes
            self.backward_ran, self._records = False, []
            self.warn(msg("error.warning.constant_output", what=what), out.line, out.col)
        elif out.shape != ():
            self.warn(msg("error.warning.not_scalar", what=what, shape=fmt_shape(out.shape), name=out.name or "…"),
                      out.line, out.col)

    def messages_in(self, lang: str = "en") -> list[doc.Message]:
        """The warnings, their `message` told in `lang`."""
        if lang == "en":
            return list(self.messages)
        return [{**m, "message": Msg.from_json(m["msg"]).text(lang)} for m in self.messages]

    def warn(self, message: Msg, line: int, col: int) -> None:
        """Add a warning: its English text and its message for every language."""
        self.messages.append({"level": "warning", "line": line, "col": col,
                              "message": message.text("en"), "msg": message.to_json()})

    @cached_property
    def forward_steps(self) -> list[ForwardStep]:
        """One step per node, in id order (a topological order)."""
        told = self._narrations
        return [ForwardStep(n.id, n.value, told[n.id]) for n in self.nodes]

    @cached_property
    def backward_steps(self) -> list[BackwardStep]:
        """One step per node the output depends on that takes a gradient, in reverse order."""
        steps = step_objects(self._graph, self._records)
        for s, told in zip(steps, self._narrations[len(self.nodes):]):
            s.narration = told
        return steps

    @cached_property
    def _narrations(self) -> list[doc.Narration]:
        return [s["narration"] for s in self.to_dict()["steps"]]

    @property
    def steps(self) -> list[ForwardStep | BackwardStep]:
        return [*self.forward_steps, *self.backward_steps]

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The computation graph as a networkx DiGraph: nodes by id, edges input → op."""
        return self._graph.to_networkx()

    # In a notebook. The engine runs without the drawing package; its notebook display
    # reaches for it (drawing/notebook.py) only when asked.

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """Jupyter's display: the graph, fully computed, as SVG (text where SVG is not shown)."""
        try:
            from drawing.notebook import graph_bundle
        except ImportError:
            return {"text/plain": repr(self)}
        return graph_bundle(self.to_dict())

    def step(self, k: int):
        """The graph after ``k`` steps, for a notebook's display (its ``svg`` as text)."""
        from drawing.notebook import StepView
        return StepView(self.to_dict(), k)

    def widget(self, *, first: int = 0, last: int | None = None, direction: str | None = None,
               lang: str = "en"):
        """A stepping widget for Jupyter, JupyterLab, VS Code and Colab (anywidget): the graph,
        step buttons, arrow keys, and what each step computes; steps ``first``..``last``, its
        words in ``lang`` ("en", "ko")."""
        from drawing.notebook import trace_widget
        return trace_widget(self.to_dict(), first=first, last=last, direction=direction, lang=lang)

    def to_dict(self, lang: str = "en") -> doc.TraceDocument:
        """The JSON document, its explanation texts (rules, intuitions, contributions, sum
        rules, warnings) told in `lang` (a member of `engine.i18n.LANGS`)."""
        with no_gc():
            symbols = Symbols(self.nodes)
            steps: list[doc.Step] = [forward_step_dict(n.id, n._value) for n in self.nodes]
            steps += step_dicts(self._graph, self._records, lang)
            document: doc.TraceDocument = {
                "source": self.source, "init": self.init, "output": self.output, "backward": self.backward_ran,
                "messages": self.messages_in(lang), "nodes": node_columns(self.nodes, symbols).records(),  # type: ignore[typeddict-item]
                "steps": steps}
            for step, told in zip(steps, narrations(document)):
                step["narration"] = told  # type: ignore[typeddict-unknown-key]
            return document


def node_columns(nodes: list[Node], symbols: Symbols, number: Callable[[Any], Any] | None = None) -> Columns:
    """The document's records of the nodes (after both passes: value and gradient), as
    columns. `number` writes each value and gradient (the lean document's summaries);
    default: in full."""
    said = [symbols(n.id) for n in nodes]
    values, grads = [n._value for n in nodes], [n._grad for n in nodes]
    if number is None:
        number = _in_full
    return Columns({
        "id": [n.id for n in nodes], "op": [n.op for n in nodes], "label": [n.label for n in nodes],
        "kind": [n.kind for n in nodes], "frozen": [n.frozen for n in nodes],
        "name": [n.names[0] if n.names else None for n in nodes], "names": [list(n.names) for n in nodes],
        "symbol": [s[0] for s in said], "latex": [s[1] for s in said],
        "inputs": [list(n.inputs) for n in nodes], "shape": [list(n.shape) for n in nodes],
        "value": list(map(number, values)), "grad": list(map(number, grads)),
        "line": [n.line for n in nodes], "col": [n.col for n in nodes],
        "end_line": [n.end_line for n in nodes], "end_col": [n.end_col for n in nodes],
        "expr": [n.expr for n in nodes], "attrs": [dict(n.attrs) for n in nodes],
        "stats": [node_stats(n) for n in nodes]})


def _in_full(v: Any) -> Any:
    return v if v is None or type(v) is float else v.tolist()


def trace(source: str, init: str | None = None) -> Trace:
    """Parse, build, run forward and backward; raises ProgramError on a bad program.

    `init` ("naive", "xavier", "he", "zeros") redraws the program's weight matrices with that
    initialization (see `engine.inits`); a ValueError names the choices for any other.
    The document's `source` is the program with its line breaks written as \\n, the text
    its lines and columns count in (the text as sent when it has no \\r)."""
    choice = check_init(init)
    source = one_line_break(source)
    with no_gc():
        graph, output = build(source)
        return Trace(source, graph, output, choice)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cycle collector while a trace makes its many small objects (none of them
    garbage until the trace goes): its passes over a growing heap cost more than the work."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
