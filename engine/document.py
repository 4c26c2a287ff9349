"""The trace document's records: the shape of `Trace.to_dict()` and of `gradcheck(t)`.

TypedDicts, so they cost nothing at run time: the engine builds plain dicts, a type checker
reads these, and the web app puts the same records in /api/trace's response model, which is
what /docs and /openapi.json show. Every key is required and no other is allowed, so a
record with a key missing, misspelt or unknown does not validate.
"""
from __future__ import annotations

from typing import Any, Literal, Union

# pydantic reads TypedDicts from typing_extensions only on Python < 3.12.
from typing_extensions import TypeAliasType, TypedDict

# JSON has no NaN or infinity: `to_dict()` keeps such floats, and the web app's JSON
# writer turns them into these strings.
NonFinite = Literal["nan", "inf", "-inf"]

# One number.
Number = TypeAliasType("Number", Union[float, NonFinite])

# A number for a scalar, nested lists of numbers for a vector or a matrix.
Value = TypeAliasType("Value", Union[float, NonFinite, list["Value"]])


# The initialization switch's choices (engine/inits.py).
InitName = Literal["naive", "xavier", "he", "zeros"]


def _closed(record: type) -> type:
    """A key the record does not name fails validation, and the JSON schema says so
    (additionalProperties: false): pydantic reads `__pydantic_config__` from a TypedDict."""
    record.__pydantic_config__ = {"extra": "forbid"}  # type: ignore[attr-defined]
    return record


@_closed
class Histogram(TypedDict):
    """Equal bins from the smallest finite entry to the largest: BINS + 1 edges, BINS counts."""
    edges: list[float]
    counts: list[int]


@_closed
class Fraction(TypedDict):
    """The share of a nonlinearity's outputs where a rule holds (saturated, dead)."""
    fraction: float
    rule: str


@_closed
class Stats(TypedDict):
    """A tensor's statistics over its finite entries; `nonfinite` counts the others.
    `saturated` (sigmoid, tanh, hardtanh) and `dead` (relu) on a nonlinearity's value only."""
    mean: Number
    std: Number
    min: Number
    max: Number
    norm: Number
    nonfinite: int
    histogram: Histogram
    saturated: Fraction | None
    dead: Fraction | None


@_closed
class InitStats(TypedDict):
    """A leaf made by a constructor: the variance it was drawn with (and a uniform draw's
    bound) beside the variance of the entries it got."""
    kind: str
    variance: float
    bound: float | None
    measured_variance: float


@_closed
class NodeStats(TypedDict):
    """Statistics of a node's value and gradient (null without one); `init` for a leaf made
    by a constructor, else null."""
    value: Stats
    grad: Stats | None
    init: InitStats | None


@_closed
class Node(TypedDict):
    """A graph node with its value and gradient, and where the program wrote it."""
    id: int
    op: str
    label: str
    kind: Literal["leaf", "const", "op"]
    frozen: bool
    name: str | None
    names: list[str]
    symbol: str
    latex: str
    inputs: list[int]
    shape: list[int]
    value: Value
    grad: Value | None
    line: int
    col: int
    end_line: int
    end_col: int
    expr: str
    attrs: dict[str, Any]
    stats: NodeStats | None          # null for a node of one number


@_closed
class Narration(TypedDict):
    """A step told in a plain sentence with its numbers, in each language (engine/narration.py)."""
    en: str
    ko: str


@_closed
class ForwardStep(TypedDict):
    """One node computed: its value."""
    phase: Literal["forward"]
    node: int
    value: Value
    narration: Narration


@_closed
class Rule(TypedDict):
    """A formula as words and as LaTeX."""
    text: str
    latex: str


# Why an edge sends no gradient: its input is an inline constant or a frozen leaf.
Skipped = Literal["constant", "frozen"]


@_closed
class Edge(TypedDict):
    """What a backward step sends down one input edge."""
    input: int
    position: int
    local: Value | None
    local_shape: list[int]
    downstream: Value | None
    skipped: Skipped | None
    # The local derivative ∂node/∂input (`∂zᵢ/∂Wᵢⱼ = xⱼ`), true at this step's numbers (½ at
    # a tie); for a skipped edge, why it carries no gradient.
    rule: Rule
    # The downstream gradient ∂output/∂input in terms of the upstream δ (`∂s/∂W = δ xᵀ`),
    # with the sum over the axes a broadcast input was copied along; for a skipped edge, why.
    downstream_rule: Rule


# A successor's share of a node's upstream gradient: `position` is the input position it
# came through (x * x sends two), `text` says so ("from z = x * x, as its 2nd input").
# ("from" is a Python keyword, hence the functional form.)
Contribution = _closed(TypedDict("Contribution", {"from": int, "position": int, "text": str, "downstream": Value}))


@_closed
class BackwardStep(TypedDict):
    """One node's gradient complete: what it received and what it sends to each input."""
    phase: Literal["backward"]
    node: int
    op: str
    upstream: Value
    contributions: list[Contribution]
    edges: list[Edge]
    intuition: str | None
    sum_rule: str | None
    narration: Narration


Step = Union[ForwardStep, BackwardStep]


# ---------------------------------------------------------------- the lean document
# What /api/trace answers (engine/lean.py): each number once, big tensors as summaries.

@_closed
class SummaryStats(TypedDict):
    """A summary's statistics of a tensor's finite entries; `nonfinite` counts the others."""
    mean: Number
    std: Number
    min: Number
    max: Number
    norm: Number
    nonfinite: int


@_closed
class Preview(TypedDict):
    """A big tensor as an image: `values[i][j]` is the mean of the finite entries of rows
    rows[i]… and columns cols[j]… (blocks of `block` = [rows, columns]; a vector is one row)."""
    kind: Literal["block means"]
    block: list[int]
    rows: list[int]
    cols: list[int]
    values: list[list[Number]]


@_closed
class Summary(TypedDict):
    """A tensor past the lean document's size: its exact entries come from /api/window."""
    summary: Literal[True]
    shape: list[int]
    size: int
    stats: SummaryStats
    preview: Preview
    first: list[Number]


LeanValue = TypeAliasType("LeanValue", Union[float, NonFinite, list[Value], Summary])


@_closed
class LeanNode(Node):
    """A node as in the full document, its value and gradient perhaps summaries."""
    value: LeanValue  # type: ignore[misc]
    grad: LeanValue | None  # type: ignore[misc]


@_closed
class LeanForwardStep(TypedDict):
    """One node computed: its value is the node's."""
    phase: Literal["forward"]
    node: int


@_closed
class MessageJSON(TypedDict):
    """A text not yet told (engine/i18n.py's `Msg`): the catalogue's `key` and its `args`,
    each a string or a message. The page tells it in the reader's language (i18n.js)."""
    key: str
    args: dict[str, Any]


@_closed
class LeanRule(TypedDict):
    """A rule as messages, its node names unfilled: told, then {o}, {x}, {y}, {s} in `text`
    ({O}, {X}, {Y}, {S} in `latex`) replaced by the `symbol` (`latex`) of the step's node, the
    edge's input, the node's other input (when the node has exactly two inputs, else "·" and
    "\\cdot") and the traced output. `latex` is a plain string when it has no words."""
    text: MessageJSON
    latex: Union[str, MessageJSON]


class _LeanEdge(TypedDict):
    input: int
    position: int
    local: Value | None
    local_shape: list[int]
    skipped: Skipped | None
    rule: LeanRule
    downstream_rule: LeanRule


@_closed
class LeanEdge(_LeanEdge, total=False):
    """An edge as in the full document; `downstream` is left out when it is the input's gradient."""
    downstream: LeanValue | None


# A contribution's downstream is the edge's it came through, in the step of node `from`; its
# text is a message whose {o} is the symbol of node `from`.
LeanContribution = _closed(TypedDict("LeanContribution", {"from": int, "position": int, "text": MessageJSON}))


@_closed
class LeanBackwardStep(TypedDict):
    """One node's gradient complete; its upstream is the node's gradient."""
    phase: Literal["backward"]
    node: int
    op: str
    contributions: list[LeanContribution]
    edges: list[LeanEdge]
    intuition: MessageJSON | None       # no placeholders left
    sum_rule: MessageJSON | None        # {o}: the step's node



@_closed
class LeanTraceDocument(TypedDict):
    """`lean_document(t)`: the trace with each number once."""
    source: str
    init: InitName | None
    output: int
    backward: bool
    lean: Literal[True]
    messages: list["Message"]
    nodes: list[LeanNode]
    steps: list[Union[LeanForwardStep, LeanBackwardStep]]


# ---------------------------------------------------------------- the packed document
# The lean document in columns, each text once (engine/packed.py): what the page asks for.

class _Column(TypedDict, total=False):
    all: Any                # every row has this value
    values: list[Any]       # one value per row
    texts: list[int]        # one index into the document's `texts` per row
    at: list[int]           # the rows that have the field, when some lack it


@_closed
class Column(_Column):
    """One field of a list of records: exactly one of `all`, `values`, `texts`, and `at`
    when only those rows have the field (the other keys then run over them only)."""


@_closed
class Columns(TypedDict):
    """A list of `rows` records as one column per field."""
    rows: int
    fields: dict[str, Column]


@_closed
class PackedSteps(TypedDict):
    """The steps: `forward` forward steps (node 0, 1, ... in order, implied), then the
    backward steps as columns (`edges` and `contributions` there are counts: that many rows
    of the `edges` and `contributions` columns, taken in order)."""
    forward: int
    backward: Columns
    edges: Columns
    contributions: Columns


@_closed
class PackedTraceDocument(TypedDict):
    """`pack(lean_document(t))`: the lean document in columns; `texts` the interning table."""
    source: str
    init: InitName | None
    output: int
    backward: bool
    lean: Literal[True]
    packed: Literal[True]
    messages: list["Message"]
    nodes: Columns
    steps: PackedSteps
    texts: list[Any]


@_closed
class Window(TypedDict):
    """Exact entries of a node's value or gradient: rows [r0, r1), columns [c0, c1)."""
    node: int
    what: Literal["value", "grad"]
    rows: list[int]
    cols: list[int]
    shape: list[int]
    values: list[list[Number]]


@_closed
class Message(TypedDict):
    """A warning about the program as a whole, at a place in its text: `message` in English,
    `msg` the same as a catalogue message `{key, args}`, for any language."""
    level: Literal["warning"]
    line: int
    col: int
    message: str
    msg: dict


@_closed
class TraceDocument(TypedDict):
    """The whole trace: `Trace.to_dict()`."""
    source: str                     # the program, each \r\n and lone \r written as \n
    init: InitName | None           # the initialization switch it was traced with, if any
    output: int
    backward: bool
    messages: list[Message]
    nodes: list[Node]
    steps: list[Step]


@_closed
class EntryCheck(TypedDict):
    """One entry θ of a leaf: analytic gradient against the two-sided difference
    (f_plus − f_minus) / 2h, with the one-sided (f_plus − f) / h beside it for comparison.
    `kink`: θ ± h carries a kinked op's input across its kink, and `note` says which (in English;
    `note_msg` is the same note as a catalogue message `{key, args}`, for any language)."""
    index: list[int]
    analytic: Number
    numeric: Number
    rel_error: Number
    passed: bool
    f_plus: Number
    f_minus: Number
    one_sided: Number
    one_sided_rel_error: Number
    kink: bool
    note: str | None
    note_msg: dict | None


@_closed
class LeafCheck(TypedDict):
    """The checked entries of one leaf; `passed` is null when none could be checked."""
    node: int
    name: str | None
    shape: list[int]
    sampled: bool
    checked: int
    size: int
    max_rel_error: Number
    passed: bool | None
    entries: list[EntryCheck]


@_closed
class GradientCheck(TypedDict):
    """`gradcheck(t)`: every leaf's gradient against finite differences. `passed`: every
    checked entry passed, kinks included; `passed_away_from_kinks`: every entry not
    flagged `kink` passed; `f`: the output at the unperturbed θ."""
    h: float
    rtol: float
    atol: float
    f: Number
    passed: bool
    kinks: int
    passed_away_from_kinks: bool
    unchecked_leaves: int
    leaves: list[LeafCheck]


@_closed
class Symmetry(TypedDict):
    """How many different gradients a layer's units get (`same`: one for all of them)."""
    units: int
    distinct_gradients: int
    same: bool


@_closed
class Layer(TypedDict):
    """One row of the layer view (`engine.layers`): a layer's value and gradient statistics
    side by side, its gradient's norm, saturated and dead shares (null where they do not
    apply), and whether its units all got the same gradient (null without a backward pass)."""
    name: str
    node: int
    op: str
    shape: list[int]
    line: int
    value: Stats
    grad: Stats | None
    grad_norm: Number | None
    saturated: float | None
    dead: float | None
    symmetric: Symmetry | None


@_closed
class LayerView(TypedDict):
    """The layer view under one initialization (null: as written), or why it failed."""
    init: InitName | None
    layers: list[Layer]
    error: str | None


@_closed
class Region(TypedDict):
    """Inputs where a nonlinearity's gradient (nearly) vanishes: `intervals` of x, each
    [low, high] (±inf at an open end), and the rule on the output that defines them."""
    kind: Literal["saturated", "dead"]
    rule: str
    intervals: list[list[Number]]


@_closed
class Kink(TypedDict):
    """Where a nonlinearity has a corner and which derivative the op table takes there."""
    at: list[float]
    text: str


@_closed
class ActivationCurve(TypedDict):
    """One nonlinearity for the activation explorer: f and f' as LaTeX, and sampled (by the
    op table's own forward and VJP, at the default `params`) at `x`."""
    name: str
    label: str
    params: dict[str, float]
    formula: str
    derivative: str
    x: list[float]
    y: list[Number]
    dy: list[Number]
    regions: list[Region]
    kink: Kink | None
