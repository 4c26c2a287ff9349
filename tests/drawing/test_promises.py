"""What the README promises about exports: PNG at 144 dpi, read from the README itself."""
from __future__ import annotations

import re
import struct

import drawing as R
from engine import trace
from tests.readme import promised

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
DPI = int(promised(r"PNG \((\d+) dpi"))


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", png[16:24])


def test_png_export_is_drawn_at_the_readme_dpi():
    """The SVG is measured in points (1/72 inch); the PNG of the same drawing has DPI/72
    pixels per point."""
    assert DPI == 144
    doc = trace(LECTURE).to_dict()
    for step in (None, 3):
        svg = R.render(doc, "svg", step)
        svg = svg.decode() if isinstance(svg, bytes) else svg
        m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        assert m, svg[:300]
        w_pt, h_pt = float(m.group(1)), float(m.group(2))
        w_px, h_px = png_size(R.render(doc, "png", step))
        assert abs(w_px - w_pt * DPI / 72) <= 2 and abs(h_px - h_pt * DPI / 72) <= 2, \
            ((w_px, h_px), (w_pt, h_pt))
