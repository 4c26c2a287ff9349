"""Request and response models of the HTTP API (they are what /docs shows)."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine import document as doc
from engine.gradcheck import check_h
from engine.limits import GRADCHECK_H, GRADCHECK_H_MAX, GRADCHECK_H_MIN

LECTURE_SOURCE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
Direction = Literal["auto", "LR", "TB"]
Level = Literal["auto", "nodes", "statements"]
LEVEL_HELP = ("How much the graph is grouped: nodes (one box per node), statements (one box per "
              "statement, each expandable: `/api/expand`), or auto (statements when the graph is too "
              "large to draw node by node).")
DIRECTION_HELP = ("How the graph is laid out: LR (left to right), TB (top to bottom), or auto "
                  "(chosen from the graph's shape, so that a small graph fits the page readable).")


class TraceRequest(BaseModel):
    """A program to trace."""

    model_config = ConfigDict(strict=True)     # 0 is not false, "3" is not a step

    source: str = Field(description="The program: `name = expr` statements; the last is the output.",
                        examples=[LECTURE_SOURCE])
    gradcheck: bool = Field(False, description="Also compare every leaf's gradient with "
                                               "two-sided finite differences.")
    h: float = Field(GRADCHECK_H, allow_inf_nan=False,
                     json_schema_extra={"minimum": GRADCHECK_H_MIN, "maximum": GRADCHECK_H_MAX},
                     description="The gradient check's step: (f(θ+h) − f(θ−h)) / 2h. "
                                 "Used only with `gradcheck`.")
    direction: Direction = Field("auto", description=DIRECTION_HELP)
    level: Level = Field("auto", description=LEVEL_HELP)

    @field_validator("h")
    @classmethod
    def _h_in_range(cls, h: float) -> float:
        return check_h(h)           # the engine's own bounds and words


class RenderRequest(BaseModel):
    """A program to draw at one step."""

    model_config = ConfigDict(strict=True)     # 0 is not false, "3" is not a step

    source: str = Field(description="The program, as for /api/trace.", examples=[LECTURE_SOURCE])
    format: Literal["svg", "png", "pdf", "dot"] = Field("svg", description="File format.")
    step: int | None = Field(None, ge=0, description="Draw the graph after this many steps "
                                                     "(0: nothing computed). Omitted: fully computed.")
    direction: Direction = Field("auto", description=DIRECTION_HELP)
    level: Level = Field("auto", description=LEVEL_HELP)


class ExpandRequest(BaseModel):
    """One statement of a program, to draw on its own."""

    model_config = ConfigDict(strict=True)

    source: str = Field(description="The program, as for /api/trace.", examples=[LECTURE_SOURCE])
    group: int = Field(ge=0, description="The statement's group: its index in the display model's "
                                         "`statements.groups` (in program order).")
    direction: Literal["LR", "TB"] = Field("LR", description="How the statement is laid out.")


class ExpandResponse(BaseModel):
    """A statement's nodes drawn on their own, fully computed: node groups have ids `node-<id>`
    and edges `edge-<input>-<node>-<position>`, as in the full drawing; its inputs from other
    statements are small boxes `outside-<id>`."""

    group: int
    svg: str


class ErrorResponse(BaseModel):
    """Every error: what went wrong and, for a bad program, where (1-based)."""

    message: str
    line: int | None = None
    col: int | None = None


class Example(BaseModel):
    """A worked example from the gallery."""

    id: str
    title: str
    description: str
    source: str


class DisplayModel(BaseModel):
    """Texts every node and edge shows, and the step from which each is revealed."""

    model_config = ConfigDict(extra="allow")
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    placeholders: dict[str, str]
    steps: int


# The records of the document are the engine's own (engine/document.py); a step's
# "phase" says which of the two step records it is.
Step = Annotated[Union[doc.ForwardStep, doc.BackwardStep], Field(discriminator="phase")]


class TraceResponse(BaseModel):
    """The engine's trace document plus what the page needs to draw it. Numbers that JSON
    cannot carry are the strings "nan", "inf", "-inf"."""

    model_config = ConfigDict(extra="allow")
    source: str
    output: int = Field(description="The id of the output node (the last statement).")
    backward: bool = Field(description="Whether the backward pass ran (it needs a scalar output "
                                       "that depends on a leaf).")
    messages: list[doc.Message]
    nodes: list[doc.Node] = Field(description="Graph nodes in topological (id) order.")
    steps: list[Step] = Field(description="Forward steps, then backward steps.")
    display: DisplayModel
    svg: str | None = Field(description="The fully computed graph as SVG; node groups have "
                                        "ids `node-<id>`, edges `edge-<input>-<node>-<position>`.")
    svg_error: str | None = Field(description="Why there is no SVG (e.g. Graphviz is missing).")
    direction: Literal["LR", "TB"] = Field(description="How `svg` is laid out: LR (left to "
                                                      "right) or TB (top to bottom).")
    level: Literal["nodes", "statements"] = Field(description="What `svg` draws: one box per node, or "
                                                              "one per statement (`display.statements`).")
    nodes_fit: bool = Field(description="Whether the graph may be drawn node by node (level "
                                        "`nodes`): within the drawing's node and cost limits.")
    gradcheck: doc.GradientCheck | None = Field(None, description="Present when asked for.")


class Status(BaseModel):
    """Whether the server can draw graphs, and what to install if not."""

    graphviz: bool
    message: str | None
