"""Request and response models of the HTTP API (they are what /docs shows)."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drawing.errors import FRAME_MS, MAX_FRAME_MS, MIN_FRAME_MS
from engine import document as doc
from engine import train_document as tdoc
from engine.gradcheck import check_h
from engine.limits import GRADCHECK_H, GRADCHECK_H_MAX, GRADCHECK_H_MIN, MAX_LAYER_INITS

LECTURE_SOURCE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
Direction = Literal["auto", "LR", "TB"]
UNROLL_HELP = ("Trace the program's scalar graph instead: every product, sum and elementwise op "
               "of its tensors (each of at most 64 entries) expanded into one node per scalar "
               "operation, with the same values and gradients.")
INIT_HELP = ("Redraw every weight matrix (a 2-D leaf made by randn, xavier, kaiming or zeros, not "
             "frozen) with this initialization, keeping shapes and seeds: naive (randn, scale 1), "
             "xavier (Var = 2/(n_in + n_out)), he (kaiming: Var = 2/n_in) or zeros. Omitted: as written.")
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
    unroll: bool = Field(False, description=UNROLL_HELP)
    at: "TraceAt | None" = Field(None, description="Trace the program at this training iteration's "
                                                   "parameters (see /api/train).")
    init: doc.InitName | None = Field(None, description=INIT_HELP)
    level: Level = Field("auto", description=LEVEL_HELP)
    drawing: bool = Field(True, description="Draw the graph in this answer. False: answer without "
                                            "waiting for Graphviz (`svg` null, `drawing` \"later\"); "
                                            "/api/drawing then answers the SVG.")
    packed: bool = Field(False, description="Answer the document packed (`packed`: true): nodes, steps "
                                            "and the display model's lists as columns, each text once "
                                            "in `texts` (README, \"The packed document\").")
    details: bool = Field(True, description="False (with `packed`, and `drawing` false): a program over "
                                            "1,000 nodes is answered without its backward steps' edges, "
                                            "contributions and texts (`details`: \"later\"; the display "
                                            "model without edges); /api/details answers them.")

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
    unroll: bool = Field(False, description=UNROLL_HELP)
    level: Level = Field("auto", description=LEVEL_HELP)
    at: "TraceAt | None" = Field(None, description="Draw the program at this training iteration's "
                                                   "parameters, as /api/trace does.")
    init: doc.InitName | None = Field(None, description=INIT_HELP)


class DrawingRequest(BaseModel):
    """The drawing of a program /api/trace answered with `drawing` false (the same keys)."""

    model_config = ConfigDict(strict=True)
    source: str = Field(description="The program, as for /api/trace.", examples=[LECTURE_SOURCE])
    direction: Direction = Field("auto", description=DIRECTION_HELP)
    unroll: bool = Field(False, description=UNROLL_HELP)
    level: Level = Field("auto", description=LEVEL_HELP)
    at: "TraceAt | None" = Field(None, description="As for /api/trace.")
    init: doc.InitName | None = Field(None, description=INIT_HELP)


class DrawingResponse(BaseModel):
    """The graph as /api/trace draws it: the SVG (or why there is none), its level and direction."""

    svg: str | None = Field(description="The fully computed graph as SVG, as /api/trace's `svg`.")
    svg_error: str | None = Field(description="Why there is no SVG.")
    direction: Literal["LR", "TB"]
    level: Literal["nodes", "statements"]
    nodes_fit: bool


class DetailsRequest(BaseModel):
    """The details of a program /api/trace answered with `details` \"later\" (the same keys)."""

    model_config = ConfigDict(strict=True)
    source: str = Field(description="The program, as for /api/trace.", examples=[LECTURE_SOURCE])
    unroll: bool = Field(False, description=UNROLL_HELP)
    at: "TraceAt | None" = Field(None, description="As for /api/trace.")
    init: doc.InitName | None = Field(None, description=INIT_HELP)


class DetailsResponse(BaseModel):
    """The backward steps in full and the display model's edges, packed as /api/trace's document
    (columns; `texts` the interning table these columns index)."""

    model_config = ConfigDict(extra="forbid")
    packed: Literal[True]
    backward: doc.Columns = Field(description="The backward steps, in order; `edges` and `contributions` "
                                              "are counts of rows of the two lists below.")
    edges: doc.Columns
    contributions: doc.Columns
    display_edges: doc.Columns = Field(description="The display model's edges.")
    texts: list[Any]


class WindowRequest(BaseModel):
    """A window of a big tensor's exact entries (the trace sends tensors past 4,096 entries as summaries)."""

    model_config = ConfigDict(strict=True)
    source: str = Field(description="The program, as for /api/trace.")
    node: int = Field(ge=0, description="The node's id.")
    what: Literal["value", "grad"] = Field("value", description="The node's value or its gradient.")
    rows: list[int] = Field(min_length=2, max_length=2, description="[first, past the last) row; a vector has one row, [0, 1].")
    cols: list[int] = Field(min_length=2, max_length=2, description="[first, past the last) column.")


class WalkthroughRequest(BaseModel):
    """A program's steps as a walkthrough file: one page, slide or frame per step."""

    model_config = ConfigDict(strict=True, populate_by_name=True)

    source: str = Field(description="The program, as for /api/trace.", examples=[LECTURE_SOURCE])
    format: Literal["pdf", "pptx", "gif", "mp4", "html"] = Field(
        "pdf", description="PDF (a page per step), PPTX (a slide per step, editable texts), GIF or "
                           "MP4 (a frame per step; MP4 needs ffmpeg on the server), or HTML (a "
                           "self-contained player that opens offline).")
    first: int | None = Field(None, ge=0, alias="from",
                              description="The first step shown (0: nothing computed). Omitted: 0.")
    last: int | None = Field(None, ge=0, alias="to",
                             description="The last step shown, included. Omitted: the last step.")
    frame_ms: int = Field(FRAME_MS, ge=MIN_FRAME_MS, le=MAX_FRAME_MS,
                          description="How long each GIF or MP4 frame shows, in milliseconds.")
    direction: Direction = Field("auto", description=DIRECTION_HELP)
    lang: Literal["en", "ko"] | None = Field(
        None, description="The language of the pages' texts. Omitted: the request's Accept-Language "
                          "(English unless it prefers Korean).")


class LayersRequest(BaseModel):
    """A deep program to show layer by layer, under one or more initializations."""

    model_config = ConfigDict(strict=True)

    source: str = Field(description="The program, as for /api/trace.")
    inits: list[doc.InitName | None] = Field(
        [None], min_length=1, max_length=MAX_LAYER_INITS,
        description="The initializations to compare, each traced on its own (null: the program's "
                    f"constructors as written); at most {MAX_LAYER_INITS}. " + INIT_HELP)
    lang: str | None = Field(None, description="The language of the answer's messages (en, ko); "
                                               "omitted: the request's Accept-Language.")


class LayersResponse(BaseModel):
    """The layer view under each initialization asked for, in the order asked; an init whose
    forward or backward pass failed (a log of 0 under zeros) has `error` and no layers."""

    inits: list[doc.LayerView]


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
Step = Annotated[Union[doc.LeanForwardStep, doc.LeanBackwardStep], Field(discriminator="phase")]


class TraceResponse(BaseModel):
    """The engine's lean trace document (each number once: a forward step's value is its
    node's, a backward step's upstream its node's gradient, a contribution's downstream the
    edge's it came through, an edge without `downstream` sends its input's whole gradient; a
    tensor past 4,096 entries is a summary, its entries from /api/window) plus what the page
    needs to draw it. Numbers that JSON cannot carry are the strings "nan", "inf", "-inf"."""

    model_config = ConfigDict(extra="allow")
    source: str
    lean: bool = Field(True, description="Always true: the lean form described above.")
    init: doc.InitName | None = Field(description="The initialization switch the program was traced "
                                                  "with (null: its constructors as written).")
    output: int = Field(description="The id of the output node (the last statement).")
    backward: bool = Field(description="Whether the backward pass ran (it needs a scalar output "
                                       "that depends on a leaf).")
    messages: list[doc.Message]
    nodes: Union[list[doc.LeanNode], doc.Columns] = Field(
        description="Graph nodes in topological (id) order (in columns when `packed`).")
    steps: Union[list[Step], doc.PackedSteps] = Field(
        description="Forward steps, then backward steps (`packed`: forward steps implied, the rest in columns).")
    display: Union[DisplayModel, dict[str, Any], None] = Field(
        description="The display model (its lists in columns when `packed`; null when `drawing` is false).")
    packed: bool = Field(False, description="The packed form (README: the packed document): columns, "
                                            "forward steps implied, each text once in `texts`.")
    texts: list[Any] | None = Field(None, description="`packed`: the interning table the `texts` columns index.")
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
    unrolled: bool = Field(False, description="Whether this is the program's unrolled scalar graph.")
    details: Literal["later"] | None = Field(None, description="\"later\": the backward steps are node and op "
                                                                "only and the display model has no edges yet; "
                                                                "/api/details answers them (request `details` false).")


class VectorizeRequest(BaseModel):
    """A program to compare as written and unrolled."""

    model_config = ConfigDict(strict=True)
    source: str = Field(description="The program, as for /api/trace.", examples=[LECTURE_SOURCE])
    lang: str | None = Field(None, description="The language of a refusal's message (en, ko); "
                                               "omitted: the request's Accept-Language.")


class GraphSize(BaseModel):
    nodes: int = Field(description="Nodes of the graph.")
    steps: int = Field(description="Forward and backward steps.")
    seconds: float = Field(description="The engine's time to build, run forward and backward, and "
                                       "write the document (the best of three).")


class VectorizeResponse(BaseModel):
    """The program as written (vectorized) and unrolled (one node per scalar operation)."""

    vectorized: GraphSize
    unrolled: GraphSize
    max_value_difference: float = Field(description="The largest difference between a value of the "
                                                    "vectorized graph and its entry in the unrolled one.")
    max_gradient_difference: float = Field(description="The same for gradients.")
    at: dict[str, int] | None = Field(None, description="With `at` in the request: {run, iteration}, the "
                                                        "training iteration whose parameters were traced.")


class Status(BaseModel):
    """Whether the server can draw graphs, and what to install if not."""

    graphviz: bool
    message: str | None


# ---------------------------------------------------------------- the training lab
# Run specs are checked by the engine (engine/train.py), which names the field of a bad value
# (`runs[1].betas: β₂ must be in [0, 1), got 1`): a 422 with that message.
RUNS_HELP = ('Run specs: {"optimizer": "sgd"|"adagrad"|"rmsprop"|"adam"|"adamw", "lr", its hyperparameters '
             '(PyTorch\'s names and defaults), "schedule": {"name": "constant"|"step"|"exponential"|"cosine"|'
             '"warmup"|"cyclic", its parameters}, "label"}.')
VALLEY_SOURCE = "x = -1.5\ny = 2.0\nloss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2\n"


class InspectRequest(BaseModel):
    """Which iteration of which run to inspect, and which entry of each parameter to show in numbers."""

    model_config = ConfigDict(strict=True)
    run: int = Field(0, description="The run's index in `runs`.")
    iteration: int = Field(description="The iteration, 0 to `steps` (its update; the last has none).")
    entry: dict[str, list[int]] | None = Field(None, description="Parameter name → the entry whose numbers "
                                                                 "the rule shows (default: the first).")


class TrainRequest(BaseModel):
    """Training runs on a program whose output is a scalar loss."""

    model_config = ConfigDict(strict=True)
    source: str = Field(description="The program; its output is the loss.", examples=[VALLEY_SOURCE])
    steps: int = Field(description="Updates per run.", examples=[100])
    runs: list[dict[str, Any]] = Field(description=RUNS_HELP, examples=[[{"optimizer": "adam", "lr": 0.05}]])
    inspect: InspectRequest | None = Field(None, description="Answer one iteration's state instead of the runs.")


class AxisRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    name: str = Field(description="A parameter's name.")
    entry: list[int] | None = Field(None, description="Its entry (default the first; [] for a scalar).")


class SliceRequest(BaseModel):
    """A loss slice through two coordinates at one iteration, with every run's path."""

    model_config = ConfigDict(strict=True)
    source: str = Field(examples=[VALLEY_SOURCE])
    steps: int = Field(examples=[100])
    runs: list[dict[str, Any]] = Field(description=RUNS_HELP, examples=[[{"optimizer": "adam", "lr": 0.05}]])
    run: int = Field(0, description="Whose iteration holds the other parameters.")
    iteration: int = Field(0, description="The iteration whose values hold the other parameters.")
    x: AxisRequest = Field(examples=[{"name": "x"}])
    y: AxisRequest = Field(examples=[{"name": "y"}])
    grid: int = Field(41, description="Points per axis.")


class LrRange(BaseModel):
    model_config = ConfigDict(strict=False)
    min: float = Field(description="The smallest rate.")
    max: float = Field(description="The largest rate.")
    count: int = Field(9, description="Rates, log-spaced from min to max.")


class LrMapRequest(BaseModel):
    """A grid of short runs over learning rate × momentum (β₁ for Adam and AdamW)."""

    model_config = ConfigDict(strict=True)
    source: str = Field(examples=[VALLEY_SOURCE])
    steps: int = Field(50, description="Updates per short run.")
    optimizer: str = Field("sgd", description="sgd, adagrad, rmsprop, adam or adamw.")
    lrs: LrRange = Field(examples=[{"min": 1e-4, "max": 1e-2, "count": 9}])
    momenta: list[float] | None = Field(None, description="SGD's or RMSprop's momentum, or Adam's β₁, per row.")


class TraceAt(BaseModel):
    """A training iteration whose parameters the program is traced at."""

    model_config = ConfigDict(strict=True)
    steps: int
    runs: list[dict[str, Any]] = Field(description=RUNS_HELP)
    run: int = 0
    iteration: int


TrainAnswer = Union[tdoc.TrainDocument, tdoc.Inspection]


TraceRequest.model_rebuild()
RenderRequest.model_rebuild()
DrawingRequest.model_rebuild()
DetailsRequest.model_rebuild()


class TrainOptions(BaseModel):
    """What the training lab offers: its examples, its default run, every optimizer's
    hyperparameters with PyTorch's defaults, and every schedule's parameters (null: required,
    or for cosine's t_max and cyclic's base_lr: the run's steps and lr); `texts`: each
    optimizer's description and each schedule's formula as `{key, args}` messages."""

    examples: list[Example]
    steps: int
    run: dict[str, Any]
    optimizers: dict[str, dict[str, Any]]
    schedules: dict[str, dict[str, Any]]
    limits: dict[str, int]
    texts: dict[str, dict[str, Any]]
