"""The initialization switch: a program traced with its weight matrices drawn another way.

Every weight matrix a constructor makes (a 2-D leaf from randn, xavier, kaiming or zeros
that is not frozen) is drawn with the chosen initialization instead, keeping its shape and
its seed; vectors (biases, inputs), frozen leaves, `ones` and literal numbers keep theirs.
A zeros matrix switched to a random draw takes its node id as its seed.
"""
from __future__ import annotations

from typing import Any, get_args

from .document import InitName
from .graph import Graph
from .i18n import msg

INIT_NAMES: tuple[str, ...] = get_args(InitName)

# Each choice as the constructor that draws it: naive is randn at scale 1, He is kaiming.
CONSTRUCTOR: dict[str, tuple[str, dict[str, Any]]] = {
    "naive": ("randn", {"scale": 1.0}),
    "xavier": ("xavier", {}),
    "he": ("kaiming", {}),
    "zeros": ("zeros", {}),
}
SWITCHED = ("randn", "xavier", "kaiming", "zeros")      # the constructors the switch replaces


def check_init(init: str | None) -> InitName | None:
    """`init` itself when it names a choice; a ValueError naming the choices otherwise."""
    if init is not None and init not in INIT_NAMES:
        m = msg("init.unknown", init=repr(init), names=", ".join(INIT_NAMES))
        err = ValueError(m.text("en"))
        err.msg = m  # type: ignore[attr-defined]     # the message in other languages
        raise err
    return init  # type: ignore[return-value]


def switch_inits(graph: Graph, init: InitName) -> int:
    """Redraw every weight matrix of `graph` (before its forward pass) with `init`; returns
    how many were switched. Each switched leaf's attrs say what it was (`switched_from`)."""
    fname, extra = CONSTRUCTOR[check_init(init)]  # type: ignore[index]
    switched = 0
    for n in graph.nodes:
        was = n.attrs.get("init")
        if n.kind != "leaf" or n.frozen or was not in SWITCHED or len(n.shape) != 2:
            continue
        dims = list(n.attrs["dims"])
        attrs: dict[str, Any] = {"init": fname, "dims": dims}
        if fname != "zeros":
            attrs["seed"] = n.attrs.get("seed", n.id)
        attrs.update(extra)
        attrs["switched_from"] = was
        n.attrs = attrs
        sizes = ", ".join(map(str, dims))
        if n.label == f"{was}({sizes})":            # an unnamed constructor shows what it calls
            n.label = f"{fname}({sizes})"
        switched += 1
    return switched
