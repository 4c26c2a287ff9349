"""The training documents' records: `TrainResult.to_dict()`, an inspection, a loss slice and a
learning-rate map (README, "Training"). Closed TypedDicts, as the trace document's are."""
from __future__ import annotations

from typing import Any, Literal

from typing_extensions import TypedDict

from .document import MessageJSON, Number, TraceDocument, Value, _closed


@_closed
class TrainParameter(TypedDict):
    """A leaf that gets a gradient, so the optimizers update it."""
    node: int
    name: str
    shape: list[int]


@_closed
class Trajectory(TypedDict):
    """A parameter's entries (flat indices: all up to a limit, else a sample) at each iteration."""
    entries: list[int]
    values: list[list[float]]


@_closed
class TrainRun(TypedDict):
    """One run: its spec with every default filled in, and per iteration the loss, the rate each
    update used and the gradient norm; the parameters after the last finite iteration."""
    spec: dict[str, Any]
    losses: list[float]
    lrs: list[float]
    grad_norms: list[float]
    final: dict[str, Value]
    diverged_at: int | None
    trajectories: dict[str, Trajectory]


@_closed
class TrainDocument(TypedDict):
    """`train(source, runs, steps).to_dict()`."""
    source: str
    steps: int
    parameters: list[TrainParameter]
    runs: list[TrainRun]


@_closed
class UpdateRule(TypedDict):
    """The optimizer's update in the lecture's notation (LaTeX): in symbols, and with the numbers
    of one entry filled in (null at the last iteration, which has no update)."""
    tex: str
    numbers: str | None
    entry: list[int]


@_closed
class ParameterState(TypedDict):
    """One parameter at one iteration: θ, the gradient, the optimizer's buffers after this
    iteration's update, the effective step size (Δθ per unit of gradient direction) and Δθ."""
    name: str
    node: int
    shape: list[int]
    value: Value
    grad: Value
    state: dict[str, Value]
    step_size: Value | None
    update: Value | None
    rule: UpdateRule


@_closed
class Inspection(TypedDict):
    """Iteration t of run i: the loss, the rate, every parameter's state, and the trace."""
    run: int
    iteration: int
    loss: float
    lr: float | None
    parameters: list[ParameterState]
    trace: TraceDocument


@_closed
class SliceAxis(TypedDict):
    """One coordinate of a loss slice: a parameter's entry and the values the grid takes."""
    name: str
    entry: list[int]
    values: list[float]


@_closed
class LossSlice(TypedDict):
    """The loss over two coordinates, every other parameter held; each run's path on it.
    `held` says in English what is held, `held_msg` the same as a message."""
    x: SliceAxis
    y: SliceAxis
    loss: list[list[float | None]]
    held: str
    held_msg: MessageJSON
    exact: bool
    paths: list[list[list[float]]]


LrClass = Literal["converged", "slow", "oscillating", "diverged"]


# One short run of a learning-rate map ("class" is a Python keyword, hence the functional form).
LrCell = _closed(TypedDict("LrCell", {"class": LrClass, "final_loss": "Number | None",
                                      "diverged_at": "int | None"}))


@_closed
class LrMap(TypedDict):
    """A grid of short runs over learning rate × momentum (or β₁), each classed; what each class
    means in English (`definitions`) and as messages (`definitions_msg`)."""
    optimizer: str
    steps: int
    lrs: list[float]
    momenta: list[float]
    momentum_name: str
    cells: list[list[LrCell]]
    definitions: dict[str, str]
    definitions_msg: dict[str, MessageJSON]
