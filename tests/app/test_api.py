"""The HTTP API through the ASGI test client: answers, files, and every error path."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient

from app.examples import EXAMPLES
from app.main import create_app
from app.jsondoc import json_response
import drawing as R

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:   # runs the lifespan
        yield c


def assert_error(r, status: int, message_part: str, line=None, col=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"message", "line", "col"}
    assert message_part in body["message"]
    assert (body["line"], body["col"]) == (line, col)


# ---------------------------------------------------------------- /api/trace

def test_trace_lecture_example(client):
    r = client.post("/api/trace", json={"source": LECTURE})
    assert r.status_code == 200
    doc = r.json()
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes[doc["output"]]["value"] == 6.0
    grads = {n["name"]: n["grad"] for n in doc["nodes"] if n["kind"] == "leaf"}
    assert grads == {"x": 2.0, "y": 5.0, "z": 0.0}
    assert doc["gradcheck"] is None and doc["svg_error"] is None
    svg = ET.fromstring(doc["svg"])
    ids = {g.get("id") for g in svg.iter("{http://www.w3.org/2000/svg}g")}
    assert {f"node-{i}" for i in nodes} <= ids
    assert len(doc["display"]["nodes"]) == 6 and doc["display"]["steps"] == 12
    # the lean document: the + step's upstream is node 3's gradient; x's edge sends x's whole
    # gradient (no downstream written), y's sends 2 of y's 5 (written)
    plus_step = doc["steps"][8]
    assert (plus_step["phase"], plus_step["node"], "upstream" in plus_step) == ("backward", 3, False)
    assert nodes[3]["grad"] == 2.0 and doc["lean"] is True
    assert [(e["local"], e.get("downstream", "x's grad")) for e in plus_step["edges"]] == [(1.0, "x's grad"), (1.0, 2.0)]


def test_trace_page_svg_is_fully_computed_and_unhighlighted(client):
    doc = client.post("/api/trace", json={"source": LECTURE}).json()
    assert "current" not in doc["svg"]
    assert "value 6" in doc["svg"] and "grad 5" in doc["svg"]


def test_trace_with_gradcheck(client):
    r = client.post("/api/trace", json={"source": LECTURE, "gradcheck": True})
    gc = r.json()["gradcheck"]
    assert gc["passed"] is True
    assert {leaf["name"] for leaf in gc["leaves"]} == {"x", "y", "z"}
    y = next(leaf for leaf in gc["leaves"] if leaf["name"] == "y")
    assert y["entries"][0]["analytic"] == 5.0
    assert abs(y["entries"][0]["numeric"] - 5.0) < 1e-6


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_every_example_traces_and_checks(client, example):
    r = client.post("/api/trace", json={"source": example["source"], "gradcheck": True})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["backward"] is True and doc["svg"]
    assert doc["gradcheck"]["passed"] is True


def test_examples_cover_the_lecture(client):
    r = client.get("/api/examples")
    assert r.status_code == 200
    by_id = {e["id"]: e for e in r.json()}
    assert "f = (x + y) * max(y, z)" in by_id["lecture"]["source"]
    assert "sigmoid(" in by_id["sigmoid-neuron"]["source"]
    assert "concat(museums, x_in, Paris, are, amazing)" in by_id["window-classifier"]["source"]
    assert "cross_entropy(" in by_id["softmax-l2"]["source"] and "W * W" in by_id["softmax-l2"]["source"]
    assert "W1" in by_id["two-layer"]["source"] and "W2" in by_id["two-layer"]["source"]
    used = client.post("/api/trace", json={"source": by_id["used-twice"]["source"]}).json()
    x = next(n for n in used["nodes"] if n["name"] == "x")
    assert x["grad"] == 8.0
    x_step = next(s for s in used["steps"] if s["phase"] == "backward" and s["node"] == x["id"])
    assert len(x_step["contributions"]) >= 2


# ---------------------------------------------------------------- /api/render

@pytest.mark.parametrize("fmt,ctype,magic", [
    ("svg", "image/svg+xml", b"<?xml"),
    ("png", "image/png", b"\x89PNG\r\n\x1a\n"),
    ("pdf", "application/pdf", b"%PDF-"),
    ("dot", "text/vnd.graphviz", b"// Backprop Studio"),
])
def test_render_each_format(client, fmt, ctype, magic):
    r = client.post("/api/render", json={"source": LECTURE, "format": fmt, "step": 3})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(ctype)
    assert r.headers["content-disposition"] == f'attachment; filename="backprop-step-3.{fmt}"'
    assert r.content.startswith(magic)


def test_render_defaults_to_fully_computed_svg(client):
    r = client.post("/api/render", json={"source": LECTURE})
    assert r.headers["content-disposition"] == 'attachment; filename="backprop-final.svg"'
    assert "grad 5" in r.text


def test_render_step_zero_and_last(client):
    zero = client.post("/api/render", json={"source": LECTURE, "step": 0}).text
    assert "value 6" not in zero and R.PLACEHOLDER_VALUE in zero
    last = client.post("/api/render", json={"source": LECTURE, "step": 12}).text
    assert "grad 5" in last


# ---------------------------------------------------------------- error paths

@pytest.mark.parametrize("path", ["/api/trace", "/api/render"])
@pytest.mark.parametrize("source,line,col,part", [
    ("x = 1.0\nf = x +* 2", 2, 8, "syntax"),
    ("x = 1.0\nf = x * q", 2, 9, "q"),
    ("x = 1.0\nf = __import__('os')", 2, 5, "__import__"),
    ("", 1, 1, ""),
])
def test_bad_program_is_400_with_line_and_col(client, path, source, line, col, part):
    r = client.post(path, json={"source": source})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"message", "line", "col"}
    assert part in body["message"]
    assert body["line"] == line
    if source:
        assert body["col"] == col


@pytest.mark.parametrize("body,part", [
    ({}, "source: Field required"),
    ({"source": 5}, "source: Input should be a valid string"),
    ({"source": "x = 1.0", "gradcheck": [1]}, "gradcheck"),
    ([1, 2], "valid dictionary"),
])
def test_malformed_trace_request_is_422(client, body, part):
    assert_error(client.post("/api/trace", json=body), 422, part)


def test_invalid_json_is_422(client):
    r = client.post("/api/trace", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 422, "JSON decode error")


@pytest.mark.parametrize("body,part", [
    ({"source": LECTURE, "format": "gif"}, "format: Input should be 'svg', 'png', 'pdf' or 'dot'"),
    ({"source": LECTURE, "step": -1}, "step: Input should be greater than or equal to 0"),
    ({"source": LECTURE, "step": "abc"}, "step: Input should be a valid integer"),
    ({"source": LECTURE, "step": 13}, "step must be between 0 and 12 for this program, got 13"),
    ({"format": "svg"}, "source: Field required"),
])
def test_bad_render_request_is_422(client, body, part):
    assert_error(client.post("/api/render", json=body), 422, part)


def test_wrong_method_and_unknown_path(client):
    assert_error(client.get("/api/trace"), 405, "Method Not Allowed")
    assert_error(client.get("/api/nothing-here"), 404, "Not Found")


def test_missing_graphviz_is_explained_not_a_traceback(live_server_without_graphviz):
    # The work runs in worker processes, which take their PATH from the server's start,
    # so this one runs against a real server started without Graphviz on its PATH.
    client = httpx.Client(base_url=live_server_without_graphviz, timeout=30)
    r = client.post("/api/trace", json={"source": LECTURE})
    assert r.status_code == 200
    doc = r.json()
    assert doc["svg"] is None and "apt-get install graphviz" in doc["svg_error"]
    assert doc["nodes"] and doc["steps"]                     # stepping still works
    assert_error(client.post("/api/render", json={"source": LECTURE, "format": "png"}),
                 503, "brew install graphviz")
    dot = client.post("/api/render", json={"source": LECTURE, "format": "dot"})
    assert dot.status_code == 200 and b'id="node-5"' in dot.content
    status = client.get("/api/status").json()
    assert status["graphviz"] is False and "apt-get install graphviz" in status["message"]
    page = client.get("/")
    assert page.status_code == 200 and "apt-get install graphviz" in page.text


def test_too_large_graph_is_explained_node_by_node_and_drawn_collapsed(client):
    chain = "a0 = 1.0\n" + "\n".join(f"a{i} = a{i - 1} + 1.0" for i in range(1, R.MAX_RENDER_NODES // 2 + 2))
    doc = client.post("/api/trace", json={"source": chain, "level": "nodes"}).json()
    assert len(doc["nodes"]) > R.MAX_RENDER_NODES and doc["steps"]
    assert doc["svg"] is None and f"limited to {R.MAX_RENDER_NODES}" in doc["svg_error"]
    assert doc["level"] == "nodes" and doc["nodes_fit"] is False
    assert_error(client.post("/api/render", json={"source": chain, "level": "nodes"}), 422,
                 f"limited to {R.MAX_RENDER_NODES}")
    # Asked as it fits (the default): one box per statement, each a statement of the chain.
    doc = client.post("/api/trace", json={"source": chain}).json()
    assert doc["level"] == "statements" and doc["svg_error"] is None
    assert doc["svg"].count('class="node bp-group') == R.MAX_RENDER_NODES // 2 + 2
    r = client.post("/api/render", json={"source": chain, "format": "svg", "step": 3})
    assert r.status_code == 200 and r.content.count(b'class="node bp-group') == R.MAX_RENDER_NODES // 2 + 2


def test_non_finite_numbers_still_make_json():
    r = json_response({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5]})
    assert json.loads(r.body) == {"a": "nan", "b": ["inf", "-inf", 1.5]}


# ---------------------------------------------------------------- page, docs, static files

def test_page_and_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for ex in EXAMPLES:
        assert f'data-example="{ex["id"]}"' in r.text
    for asset in ("/static/studio.js", "/static/studio.css", "/static/vendor/katex/katex.min.js",
                  "/static/vendor/katex/katex.min.css", "/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2"):
        assert asset in r.text or asset.endswith(".woff2")
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in r.text.lower()


def test_openapi_documents_the_api(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/api/trace", "/api/render", "/api/examples", "/api/status"} <= set(spec["paths"])
    render = spec["paths"]["/api/render"]["post"]
    assert {"200", "400", "422", "503"} <= set(render["responses"])


def test_openapi_shows_the_trace_document_records(client):
    """/docs shows the README's document: each record with its fields, not dict[str, Any]."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    ok = spec["paths"]["/api/trace"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"] == "#/components/schemas/TraceResponse"
    answer = schemas["TraceResponse"]["properties"]

    def fields(ref: dict) -> set[str]:
        record = schemas[ref["$ref"].rsplit("/", 1)[1]]
        assert set(record["required"]) == set(record["properties"])        # every key is there
        return set(record["properties"])

    def as_list(prop: dict) -> dict:      # the lean form's branch (the packed form is the other)
        return next(b for b in prop["anyOf"] if b.get("type") == "array")

    assert {b.get("$ref") for b in answer["nodes"]["anyOf"]} >= {"#/components/schemas/Columns"}
    assert fields(as_list(answer["nodes"])["items"]) == {
        "id", "op", "label", "kind", "frozen", "name", "names", "symbol", "latex", "inputs",
        "shape", "value", "grad", "line", "col", "end_line", "end_col", "expr", "attrs", "stats"}
    steps = as_list(answer["steps"])["items"]
    assert steps["discriminator"]["propertyName"] == "phase"
    by_phase = {phase: {"$ref": ref} for phase, ref in steps["discriminator"]["mapping"].items()}
    # the lean document (engine/lean.py): each number once
    assert fields(by_phase["forward"]) == {"phase", "node"}
    assert fields(by_phase["backward"]) == {"phase", "node", "op", "contributions", "edges",
                                            "intuition", "sum_rule"}
    backward = schemas["LeanBackwardStep"]["properties"]
    edge = schemas[backward["edges"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(edge["properties"]) == {"input", "position", "local", "local_shape",
                                       "downstream", "skipped", "rule", "downstream_rule"}
    assert "downstream" not in edge["required"]          # left out when it is the input's gradient
    assert fields(backward["contributions"]["items"]) == {"from", "position", "text"}
    assert fields(answer["messages"]["items"]) == {"level", "line", "col", "message", "msg"}
    check = next(s for s in answer["gradcheck"]["anyOf"] if "$ref" in s)
    assert fields(check) == {"h", "rtol", "atol", "f", "passed", "kinks", "passed_away_from_kinks",
                             "unchecked_leaves", "leaves"}
    leaf = schemas["GradientCheck"]["properties"]["leaves"]["items"]
    assert fields(leaf) == {"node", "name", "shape", "size", "checked", "sampled", "max_rel_error",
                            "passed", "entries"}
    assert fields(schemas["LeafCheck"]["properties"]["entries"]["items"]) == {
        "index", "analytic", "numeric", "rel_error", "passed", "f_plus", "f_minus", "one_sided",
        "one_sided_rel_error", "kink", "note", "note_msg"}
    # values: a number, "nan"/"inf"/"-inf", or nested lists of them
    value = schemas["Value"]["anyOf"]
    assert {"type": "number"} in value and {"items": {"$ref": "#/components/schemas/Value"}, "type": "array"} in value
    assert any(v.get("enum") == ["nan", "inf", "-inf"] for v in value)
