"""The one shape formatter: numpy's tuple in messages, sizes with ×, words on the graph's nodes."""
from __future__ import annotations

import pytest

from engine.shapes import dims, fmt_shape


@pytest.mark.parametrize("shape,tuple_,times,words", [
    ((), "scalar", "1", "scalar"),
    ((4,), "(4,)", "4", "vector 4"),
    ((4, 10), "(4, 10)", "4×10", "4×10"),
])
def test_each_style(shape, tuple_, times, words):
    assert fmt_shape(shape) == fmt_shape(list(shape), "tuple") == tuple_
    assert fmt_shape(shape, "times") == dims(shape) == times
    assert fmt_shape(shape, "words") == words


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown shape style"):
        fmt_shape((2,), "roman")
