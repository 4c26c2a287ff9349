"""How much work a graph's drawing is for `dot`, estimated before running it.

`dot` puts every node on a rank (a column: the graph runs left to right) and breaks every
edge that spans several ranks into a chain of virtual nodes, one per rank crossed; each
edge label takes a rank of its own, which doubles every span. Its slowest phase (network
simplex for the horizontal positions) works on all of those nodes, real and virtual, and
its time grows faster than their number. So the cost is that number: a graph whose edges
are short is cheap however many nodes it has, while one value used by a long chain of
operations (``x + x + … + x``: high fan-out across ranks) makes as many virtual nodes as
the square of the chain's length.

The ranks are estimated as `dot` would choose them, or longer: an operation one rank past
its latest input, an input-less node (leaf, constant) one rank before its first use. The
total span of that ranking is at least `dot`'s own (which is the least possible), so the
estimate errs on the expensive side.
"""
from __future__ import annotations

from collections.abc import Sequence


def drawing_cost(inputs: Sequence[Sequence[int]]) -> int:
    """Nodes `dot` lays out for a graph, its virtual nodes included (see the module).

    ``inputs[i]`` lists the ids of node i's inputs, each smaller than i (ids in topological
    order, as the engine numbers them); an input used twice is two edges.
    """
    n = len(inputs)
    rank = [0] * n
    first_use = [n * 2] * n
    for i, ins in enumerate(inputs):
        if ins:
            rank[i] = 1 + max(rank[j] for j in ins)
    for i, ins in enumerate(inputs):
        for j in ins:
            first_use[j] = min(first_use[j], rank[i])
    for i, ins in enumerate(inputs):
        if not ins and first_use[i] < n * 2:
            rank[i] = first_use[i] - 1
    # An edge spanning s ranks spans 2s with its label: 2s - 1 virtual nodes.
    return n + sum(2 * (rank[i] - rank[j]) - 1 for i, ins in enumerate(inputs) for j in ins)


def trace_cost(trace: dict) -> int:
    """:func:`drawing_cost` of a trace document's graph."""
    return drawing_cost([node["inputs"] for node in trace["nodes"]])
