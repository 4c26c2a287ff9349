"""Request and response models of the HTTP API (they are what /docs shows)."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine import document as doc
from engine.gradcheck import check_h
from engine.limits import GRADCHECK_H, GRADCHECK_H_MAX, GRADCHECK_H_MIN, MAX_LAYER_INITS

LECTURE_SOURCE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
Direction = Literal["auto", "LR", "TB"]
INIT_HELP = ("Redraw every weight matrix (a 2-D leaf made by randn, xavier, kaiming or zeros, not "
             "frozen) with this initialization, keeping shapes and seeds: naive (randn, scale 1), "
             "xavier (Var = 2/(n_in + n_out)), he (kaiming: Var = 2/n_in) or zeros. Omitted: as written.")
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
    init: doc.InitName | None = Field(None, description=INIT_HELP)

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


class LayersRequest(BaseModel):
    """A deep program to show layer by layer, under one or more initializations."""

    model_config = ConfigDict(strict=True)

    source: str = Field(description="The program, as for /api/trace.")
    inits: list[doc.InitName | None] = Field(
        [None], min_length=1, max_length=MAX_LAYER_INITS,
        description="The initializations to compare, each traced on its own (null: the program's "
                    f"constructors as written); at most {MAX_LAYER_INITS}. " + INIT_HELP)


class LayersResponse(BaseModel):
    """The layer view under each initialization asked for, in the order asked; an init whose
    forward or backward pass failed (a log of 0 under zeros) has `error` and no layers."""

    inits: list[doc.LayerView]


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
    init: doc.InitName | None = Field(description="The initialization switch the program was traced "
                                                  "with (null: its constructors as written).")
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
    gradcheck: doc.GradientCheck | None = Field(None, description="Present when asked for.")


class Status(BaseModel):
    """Whether the server can draw graphs, and what to install if not."""

    graphviz: bool
    message: str | None
