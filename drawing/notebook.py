"""Traces in notebooks: the graph in Jupyter's display, the graph after any step, and a
stepping widget.

``Trace._repr_mimebundle_``, ``Trace.step`` and ``Trace.widget`` (engine/trace.py) import
this module only when called: the engine runs without the drawing package. The widget is
an anywidget whose front end is the HTML player's script (static/player/player.js), so it
works offline; where widgets do not run, it shows the graph at its step as SVG.
"""
from __future__ import annotations

import functools

from engine.i18n import DEFAULT_LANG, text
from engine.shapes import fmt_shape

from .display import check_step, fmt_number
from .errors import RenderError
from .export import render
from .player import player_css, player_data, player_script, svg_of

NOTEBOOK_HINT = "The stepping widget needs anywidget: pip install backprop-studio[notebook]"


def describe(doc: dict, k: int | None = None) -> str:
    """A trace in one line, as text: its size, its output and (if given) the step shown."""
    out = doc["nodes"][doc["output"]]
    name = out["symbol"]
    value = f" = {fmt_number(out['value'])}" if not out["shape"] else f", {fmt_shape(out['shape'], 'words')}"
    total = len(doc["steps"])
    at = f", after step {k} of {total}" if k is not None else f", {total} steps"
    return f"<trace of {len(doc['nodes'])} nodes{at}: {name}{value}>"


def graph_bundle(doc: dict, k: int | None = None) -> dict[str, str]:
    """Jupyter's display of the graph after ``k`` steps (None: all of them): SVG, and text
    for where SVG is not shown. A graph that cannot be drawn shows as text saying why."""
    text = describe(doc, k)
    try:
        return {"image/svg+xml": render(doc, "svg", k).decode("utf-8"), "text/plain": text}
    except RenderError as err:
        return {"text/plain": f"{text}\n(no drawing: {err})"}


class StepView:
    """The graph after ``k`` steps of a trace document, for a notebook's display
    (``Trace.step(k)``); ``svg`` is the drawing as text."""

    def __init__(self, doc: dict, k: int) -> None:
        self.doc = doc
        self.k = check_step(doc, k)

    @property
    def svg(self) -> str:
        return render(self.doc, "svg", self.k).decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return graph_bundle(self.doc, self.k)

    def __repr__(self) -> str:
        return describe(self.doc, self.k)


def trace_widget(doc: dict, *, first: int = 0, last: int | None = None, direction: str | None = None,
                 lang: str = DEFAULT_LANG):
    """The stepping widget over steps ``first``..``last`` of a trace document, at ``first``,
    its words in ``lang``."""
    data = player_data(doc, first=first, last=last, direction=direction, lang=lang)
    return _widget_class()(data=data, step=data["first"])


@functools.cache
def _widget_class() -> type:
    """The widget's class, made when first asked for (anywidget is an optional dependency)."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        raise ImportError(NOTEBOOK_HINT) from None

    class PlayerWidget(anywidget.AnyWidget):
        """The player in a notebook: ``step`` is the step shown, set from Python or by the
        widget's buttons and keys; ``data`` is the player's (drawing/player.py)."""

        _esm = player_script()
        _css = player_css()
        data = traitlets.Dict().tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

        @traitlets.validate("step")
        def _valid_step(self, proposal):
            k, first, last = proposal["value"], self.data.get("first", 0), self.data.get("last", 0)
            if self.data and not first <= k <= last:
                raise traitlets.TraitError(f"step must be between {first} and {last} in this widget, got {k}")
            return k

        def _repr_mimebundle_(self, **kwargs):
            # Where widgets do not run (a static view of the notebook), the graph at its step.
            bundle, metadata = super()._repr_mimebundle_(**kwargs)
            bundle["image/svg+xml"] = svg_of(self.data, self.step)
            bundle["text/plain"] = text("notebook.widget_range", self.data.get("lang", DEFAULT_LANG),
                                        k=self.step, total=self.data["total"], first=self.data["first"],
                                        last=self.data["last"])
            return bundle, metadata

        def __repr__(self) -> str:
            return text("notebook.widget", self.data.get("lang", DEFAULT_LANG), k=self.step,
                        total=self.data.get("total", 0))

    return PlayerWidget
