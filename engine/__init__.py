"""Backprop Studio's engine: programs become computation graphs with every step recorded.

    from engine import trace
    t = trace("x = 1.0; y = 2.0; z = 0.0\\nf = (x + y) * max(y, z)")
    t.to_dict()          # the JSON document (see README; its records: engine.document)
    t.graph              # the networkx DiGraph
    t                    # in a notebook: the graph (t.step(k) after k steps, t.widget() to step it)

    from engine import train
    train("w = 3.0\nloss = (w - 1) ** 2", [{"optimizer": "adam", "lr": 0.1}], 50).to_dict()
    trace(source, init="he")   # every weight matrix drawn as He's initialization (engine.inits)
    layers(source, init=None)  # the layer view: one row per layer (engine.layer_view)
"""
from .errors import ProgramError
from .gradcheck import gradcheck
from .layer_view import layers
from .ops import INITS, OPS
from .trace import Trace, trace
from .train import TrainResult, train

__all__ = ["ProgramError", "Trace", "trace", "gradcheck", "layers", "OPS", "INITS", "train", "TrainResult"]
