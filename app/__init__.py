"""Backprop Studio's web layer: a thin FastAPI adapter over the engine."""
