"""Backprop Studio's drawing: a trace document as a Graphviz graph at any step, and its exports."""
