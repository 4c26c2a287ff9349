"""The lean answer over HTTP: the 1000 × 1000 program of the issue in a small document, and
exact entries of its big tensors from /api/window."""
from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from engine import trace

BIG = "W = randn(1000, 1000, seed=1)\nx = randn(1000, seed=2)\ns = sum(tanh(W @ x))"
DOC_BYTES = 2 * 1024 * 1024          # the bound for this program's document


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def test_the_big_program_answers_a_small_document(client):
    r = client.post("/api/trace", json={"source": BIG})
    assert r.status_code == 200 and len(r.content) <= DOC_BYTES, len(r.content)
    doc = r.json()
    W = doc["nodes"][0]
    assert W["value"]["summary"] is True and W["value"]["shape"] == [1000, 1000]
    assert W["grad"]["summary"] is True and doc["svg"]
    assert "norm" in doc["display"]["nodes"][0]["grad"]
    t = trace(BIG)
    assert W["grad"]["stats"]["norm"] == pytest.approx(np.linalg.norm(t.nodes[0].grad))


def test_windows_give_exact_entries(client):
    t = trace(BIG)
    r = client.post("/api/window", json={"source": BIG, "node": 0, "what": "grad", "rows": [500, 508], "cols": [990, 1000]})
    assert r.status_code == 200
    assert r.json()["values"] == t.nodes[0].grad[500:508, 990:1000].tolist()
    r = client.post("/api/window", json={"source": BIG, "node": 1, "what": "value", "rows": [0, 1], "cols": [0, 4]})
    assert r.json()["values"] == [t.nodes[1].value[:4].tolist()]


@pytest.mark.parametrize("body,status,words", [
    ({"node": 0, "what": "grad", "rows": [0, 100], "cols": [0, 100]}, 400, "at most 4,096"),
    ({"node": 0, "what": "value", "rows": [999, 1001], "cols": [0, 1]}, 400, "outside"),
    ({"node": 7, "what": "value", "rows": [0, 1], "cols": [0, 1]}, 400, "does not exist"),
    ({"node": 0, "what": "mean", "rows": [0, 1], "cols": [0, 1]}, 422, "what"),
    ({"node": 0, "what": "value", "rows": [0], "cols": [0, 1]}, 422, "rows"),
])
def test_bad_windows_say_what(client, body, status, words):
    r = client.post("/api/window", json={"source": BIG, **body})
    assert r.status_code == status and words in r.json()["message"]


LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


def test_the_trace_answers_without_the_drawing_and_the_drawing_follows(client):
    """drawing false: no SVG, `drawing` "later"; /api/drawing then answers the very SVG the
    one-answer /api/trace carries. packed true: the document the reference reads back."""
    from tests.engine.reference import read_back
    whole = client.post("/api/trace", json={"source": LECTURE}).json()
    first = client.post("/api/trace", json={"source": LECTURE, "drawing": False, "packed": True}).json()
    assert first["svg"] is None and first["drawing"] == "later" and first["packed"] is True
    back, full = read_back(first), trace(LECTURE).to_dict()
    assert back["nodes"] == full["nodes"] and back["steps"] == full["steps"]
    assert back["display"] == whole["display"]
    then = client.post("/api/drawing", json={"source": LECTURE})
    assert then.status_code == 200
    d = then.json()
    assert d["svg"] == whole["svg"] and d["level"] == whole["level"] == first["level"]
    assert d["direction"] == whole["direction"] and d["nodes_fit"] is True


def test_a_drawing_refused_for_its_size_is_said_at_once(client):
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, 206))   # 411 nodes
    doc = client.post("/api/trace", json={"source": chain, "level": "nodes", "drawing": False}).json()
    assert doc["svg"] is None and "drawing" not in doc
    assert "drawings are limited to 400" in doc["svg_error"]
    d = client.post("/api/drawing", json={"source": chain, "level": "nodes"}).json()
    assert d["svg"] is None and "drawings are limited to 400" in d["svg_error"]


def test_the_drawing_of_a_program_not_traced_by_the_worker_is_traced_again(client):
    src = "a = 2.0\nb = a * a + 1.0"
    d = client.post("/api/drawing", json={"source": src}).json()
    assert d["svg"] and 'id="node-0"' in d["svg"] and d["level"] == "nodes"


def test_the_drawing_is_started_when_the_answer_without_it_is_made():
    """In the worker: the answer without the drawing starts it; /api/drawing's job collects
    that drawing (the same SVG as the one-answer trace), and draws anew for another direction."""
    from app import jobs
    import orjson
    whole = orjson.loads(jobs.trace_body(LECTURE))
    orjson.loads(jobs.trace_body(LECTURE, drawing=False, packed=True))
    (key, direction), = jobs._ahead
    assert direction == "auto"
    d = orjson.loads(jobs.drawing_body(LECTURE))
    assert not jobs._ahead and d["svg"] == whole["svg"] and d["level"] == "nodes"
    tb = orjson.loads(jobs.drawing_body(LECTURE, direction="TB"))
    assert tb["direction"] == "TB" and tb["svg"] != whole["svg"]


def big_program() -> str:
    """A scalar program of about 1,500 nodes: over DETAILS_LATER_NODES."""
    from bench.programs import scalar_program
    return scalar_program(1_500, seed=3)


def test_a_big_program_comes_first_without_its_details_then_the_details(client):
    """details false: a program over 1,000 nodes is answered with its backward steps as node and
    op only and the display model without edges (`details` "later"); /api/details answers the
    rest, which read back with the first answer is the whole document and display model."""
    from app.limits import DETAILS_LATER_NODES
    from tests.engine.reference import read_back, unpack, unpack_details
    src = big_program()
    t = trace(src)
    assert len(t.nodes) > DETAILS_LATER_NODES
    whole = client.post("/api/trace", json={"source": src, "drawing": False, "packed": True}).json()
    assert "details" not in whole or whole["details"] is None
    first = client.post("/api/trace", json={"source": src, "drawing": False, "packed": True, "details": False})
    assert first.status_code == 200 and len(first.content) < 0.6 * len(orjson_dumps(whole))
    first = first.json()
    assert first["details"] == "later"
    lean = unpack(first)
    forward = len(t.nodes)
    assert all(s["edges"] == [] and s["contributions"] == [] for s in lean["steps"][forward:])
    assert lean["display"]["edges"] == []
    r = client.post("/api/details", json={"source": src})
    assert r.status_code == 200
    backward, edges = unpack_details(r.json())
    lean["steps"][forward:] = backward
    lean["display"]["edges"] = edges
    full = unpack(whole)
    assert lean["display"] == full["display"]
    back = read_back({k: v for k, v in lean.items() if k not in ("display", "details")})
    assert back["steps"] == t.to_dict()["steps"]
    # a program at most that big is answered whole even when asked so
    small = client.post("/api/trace", json={"source": LECTURE, "drawing": False, "packed": True,
                                            "details": False}).json()
    assert small.get("details") is None and unpack(small)["steps"][-1]["edges"] is not None


def orjson_dumps(x) -> bytes:
    import orjson
    return orjson.dumps(x)


def test_the_details_of_a_program_the_worker_does_not_have_are_made_anew(client):
    """/api/details for a program this worker has not just traced: traced again, the same answer."""
    from tests.engine.reference import unpack_details
    src = big_program()
    client.post("/api/trace", json={"source": src, "drawing": False, "packed": True, "details": False})
    made = client.post("/api/details", json={"source": src}).json()
    client.post("/api/trace", json={"source": LECTURE})                  # the worker moves on
    again = client.post("/api/details", json={"source": src})
    assert again.status_code == 200 and unpack_details(again.json()) == unpack_details(made)
    bad = client.post("/api/details", json={"source": "x = = 1"})
    assert bad.status_code == 400 and bad.json()["line"] == 1


def test_the_details_wait_for_nothing_a_statement_expanded_needs(client):
    """Expanding a statement of a big program answered without its details draws its nodes
    with their edges' gradients (the worker completes the document first)."""
    import drawing
    from engine.lean import lean_document
    src = big_program()
    groups = drawing.display_model(lean_document(trace(src)))["statements"]["groups"]
    group = next(g["id"] for g in groups if len(g["nodes"]) >= 3)
    client.post("/api/trace", json={"source": src, "drawing": False, "packed": True, "details": False})
    r = client.post("/api/expand", json={"source": src, "group": group})
    assert r.status_code == 200 and 'class="edge' in r.json()["svg"] and "∂" in r.json()["svg"]


def test_a_node_level_drawing_of_a_program_without_details_waits_for_its_own(monkeypatch):
    """With the threshold set low (a setting), a drawing node by node needs the details: it waits
    for the ones queued before it, not for a later answer's (which would wait behind it)."""
    import concurrent.futures as cf
    import orjson
    from app import jobs
    from bench.programs import scalar_program
    monkeypatch.setattr(jobs, "DETAILS_LATER_NODES", 20)
    src = scalar_program(150, seed=4)
    for _ in range(2):                                      # the same program run twice at once
        first = orjson.loads(jobs.trace_body(src, drawing=False, packed=True, details=False))
        assert first["details"] == "later" and first["level"] == "nodes"
    ex = cf.ThreadPoolExecutor(1)
    try:                                                    # a deadlock fails here, not hangs
        drawn = ex.submit(jobs.drawing_body, src).result(timeout=60)
        details = ex.submit(jobs.details_body, src).result(timeout=60)
    finally:
        ex.shutdown(wait=False, cancel_futures=True)
    d = orjson.loads(drawn)
    assert d["svg"] and d["level"] == "nodes" and 'class="edge' in d["svg"] and "∂" in d["svg"]
    assert orjson.loads(details)["packed"] is True


def test_work_made_ahead_for_a_program_stops_when_the_worker_traces_another(monkeypatch):
    """The drawing and details made ahead for a program are dropped when the worker traces
    another (queued: cancelled; running: stopped at its next check) instead of taking the
    processor from the new trace; that program's details are still answered, made anew."""
    import threading
    from concurrent.futures import CancelledError
    import orjson
    from app import jobs
    from bench.programs import scalar_program
    from drawing import display_edges
    from engine.lean import lean_backward, lean_document
    from engine.packed import pack_details
    from tests.engine.reference import unpack_details
    monkeypatch.setattr(jobs, "DETAILS_LATER_NODES", 20)
    first, second = scalar_program(600, seed=5), scalar_program(150, seed=6)
    gate = threading.Event()
    blocker = jobs._drawer.submit(gate.wait, 60)            # the drawer busy: first's work waits
    try:
        assert orjson.loads(jobs.trace_body(first, drawing=False, packed=True, details=False))["details"] == "later"
        queued = [*jobs._details.values(), *jobs._ahead.values()]
        assert len(queued) == 2
        jobs.trace_body(second, drawing=False, packed=True, details=False)
    finally:
        gate.set()
    blocker.result(timeout=60)
    for made in queued:
        with pytest.raises(CancelledError):
            made.result(timeout=60)
    check = jobs._still_newest()                            # running work: its check raises
    check()
    jobs._stop_ahead()
    with pytest.raises(jobs._Stale):
        check()
    t = trace(first)
    whole = lean_document(t)
    expected = orjson.loads(orjson.dumps(pack_details(lean_backward(t), display_edges(whole))))
    assert unpack_details(orjson.loads(jobs.details_body(first))) == unpack_details(expected)


def test_a_program_that_does_not_run_leaves_the_last_ones_drawing_details_and_expand(monkeypatch):
    """The page keeps showing a program when the next one does not run: its drawing, details and
    expand are still answered, from what the worker made (or made anew where the failed trace
    stopped that work), the same as without the failed one."""
    import threading
    import orjson
    from app import jobs
    from bench.programs import scalar_program
    from engine import ProgramError
    from tests.engine.reference import unpack_details
    monkeypatch.setattr(jobs, "DETAILS_LATER_NODES", 20)
    src = scalar_program(150, seed=7)
    jobs.trace_body(src, drawing=False, packed=True, details=False)
    expected = [orjson.loads(jobs.drawing_body(src)), unpack_details(orjson.loads(jobs.details_body(src))),
                orjson.loads(jobs.expand_body(src, 3))]
    for made_first in (True, False):        # the work ahead done, or stopped by the failed trace
        gate = threading.Event()
        if made_first:
            gate.set()
        blocker = jobs._drawer.submit(gate.wait, 60)        # (the drawer busy: the work waits)
        jobs.trace_body(src, drawing=False, packed=True, details=False)
        if made_first:
            jobs._drawer.submit(lambda: None).result(timeout=60)
        with pytest.raises(ProgramError):
            jobs.trace_body("x = = 1", drawing=False, packed=True, details=False)
        gate.set()
        blocker.result(timeout=60)
        assert jobs._drawn and jobs._last                   # kept: the page still shows it
        assert all(made.cancelled() != made_first for made in jobs._details.values())
        got = [orjson.loads(jobs.drawing_body(src)), unpack_details(orjson.loads(jobs.details_body(src))),
               orjson.loads(jobs.expand_body(src, 3))]
        assert got == expected


def test_a_collapsed_drawing_never_waits_for_the_details(monkeypatch):
    """/api/drawing of a big program drawn (or refused) one box per statement answers without
    waiting for the backward details being made: the worker would otherwise be held for seconds
    (at 100,000 nodes) and the next Run queued behind it."""
    import concurrent.futures as cf
    import threading
    import orjson
    import drawing.errors
    from app import jobs
    from bench.programs import scalar_program
    monkeypatch.setattr(jobs, "DETAILS_LATER_NODES", 20)
    monkeypatch.setattr(drawing.errors, "MAX_COLLAPSED_BOXES", 10)      # refused, as at 100,000 nodes
    src = scalar_program(600, seed=8)
    gate = threading.Event()
    blocker = jobs._drawer.submit(gate.wait, 60)            # the details wait behind it
    ex = cf.ThreadPoolExecutor(1)
    try:
        first = orjson.loads(jobs.trace_body(src, drawing=False, packed=True, details=False))
        assert first["details"] == "later" and first["level"] == "statements" and first["svg_error"]
        drawn = orjson.loads(ex.submit(jobs.drawing_body, src).result(timeout=20))
        assert drawn["level"] == "statements" and drawn["svg"] is None and drawn["svg_error"]
    finally:
        gate.set()
        ex.shutdown(wait=True)
    blocker.result(timeout=60)


def test_a_statement_expanded_twice_without_a_trace_before_it():
    """Expanding a statement of a program this worker has not traced traces it (its model kept
    beside the document); a second expand draws from what was kept, the same."""
    import orjson
    from app import jobs
    jobs._stop_ahead()
    jobs._forget_last()
    first = orjson.loads(jobs.expand_body(LECTURE, 0))
    assert LECTURE in jobs._last and "display" not in jobs._last[LECTURE][0]
    assert orjson.loads(jobs.expand_body(LECTURE, 0)) == first and first["svg"]


def test_a_job_that_fails_freezes_nothing():
    """What a trace's job keeps is frozen out of the cycle collector's sight; a job that fails
    freezes nothing (what it leaves may still be garbage the collector must see)."""
    import gc
    from app import jobs
    from engine import ProgramError
    jobs.trace_body(LECTURE)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    with pytest.raises(ProgramError):
        jobs.trace_body("x = = 1")
    assert gc.get_freeze_count() == frozen


def test_a_collapsed_drawing_refused_for_its_size_sends_no_lists_only_a_drawing_reads():
    """Over 6,000 boxes the collapsed drawing is refused in the first answer; that answer's
    statements keep their groups (stepping by statement) but not the boxes' edges and copies."""
    import orjson
    from app import jobs
    from drawing.errors import MAX_COLLAPSED_BOXES
    from tests.engine.reference import unpack
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, MAX_COLLAPSED_BOXES + 1))
    first = unpack(orjson.loads(jobs.trace_body(chain, drawing=False, packed=True, details=False)))
    st = first["display"]["statements"]
    assert first["svg"] is None and "6,000" in first["svg_error"] and first["level"] == "statements"
    assert len(st["groups"]) == MAX_COLLAPSED_BOXES + 1 and st["edges"] == [] and st["copies"] == []
    kept = jobs._drawn[jobs._variant(chain, False, None, None)]["display"]["statements"]
    assert len(kept["edges"]) == MAX_COLLAPSED_BOXES                 # the worker keeps them
