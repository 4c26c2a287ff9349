"""Write tests/fixtures/shown_at_step.json: what each node and edge shows after chosen steps.

The drawing (tests/drawing/test_shown_at_step.py) and the page in a browser
(tests/page/test_shown_at_step.py) are both checked against this one file. Regenerate it
after a deliberate change to what is shown:

    python -m tests.drawing.make_fixtures
"""
from __future__ import annotations

import json
from pathlib import Path

from drawing import display_model, shown_at, shown_at_groups
from engine import trace

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "shown_at_step.json"

PROGRAMS = {
    "lecture": "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)",
    "matrix": "W = [[0.5, -1.0], [1.5, 2.0]]\nx = [1.0, 2.0]\nh = W @ x\nf = sum(h * h)",
    "frozen-and-fan-out": "E = frozen([0.1, 0.2])\nw = 2.0\nv = w * E\nf = sum(v * v) + w",
}


def chosen_steps(doc: dict) -> list[int]:
    """Halfway through the forward pass, halfway through the backward pass, and the end."""
    total = len(doc["steps"])
    forward = sum(1 for s in doc["steps"] if s["phase"] == "forward")
    return sorted({forward // 2, (forward + total) // 2, total})


def make() -> dict:
    programs = []
    for name, source in PROGRAMS.items():
        doc = trace(source).to_dict()
        model = display_model(doc)
        programs.append({"name": name, "source": source,
                         "steps": {str(k): shown_at(model, k) for k in chosen_steps(doc)},
                         "statements": {str(k): shown_at_groups(model["statements"], doc, k)
                                        for k in chosen_steps(doc)}})
    return {"about": "What each node (header, shape, value, gradient) and edge (value, gradient; "
                     "'' where not shown yet) of the graph shows after step k, by SVG id; and, "
                     "collapsed ('statements'), what each statement's box shows and which is current. "
                     "Regenerate: python -m tests.drawing.make_fixtures",
            "programs": programs}


def dumps(data: object, indent: str = "") -> str:
    """JSON with one line per node or edge (objects indented, lists on one line)."""
    if isinstance(data, dict):
        inner = indent + " "
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(data, list) and any(isinstance(v, dict) for v in data):
        inner = indent + " "
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in data) + "\n" + indent + "]"
    return json.dumps(data, ensure_ascii=False)


if __name__ == "__main__":
    FIXTURE.write_text(dumps(make()) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}")
