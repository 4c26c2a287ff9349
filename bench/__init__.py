"""Benchmarks for Backprop Studio, separate from the test suite: `python -m bench` (see README)."""
