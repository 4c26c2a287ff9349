"""Backprop Studio's engine: programs become computation graphs with every step recorded.

    from engine import trace
    t = trace("x = 1.0; y = 2.0; z = 0.0\\nf = (x + y) * max(y, z)")
    t.to_dict()          # the JSON document (see README; its records: engine.document)
    t.graph              # the networkx DiGraph
    t                    # in a notebook: the graph (t.step(k) after k steps, t.widget() to step it)
"""
from .errors import ProgramError
from .gradcheck import gradcheck
from .ops import INITS, OPS
from .trace import Trace, trace

__all__ = ["ProgramError", "Trace", "trace", "gradcheck", "OPS", "INITS"]
