"""Traces in notebooks (drawing/notebook.py): a trace displays as its graph, `t.step(k)` as
the graph after k steps, `t.widget()` as the player in an anywidget (its front end is the
player's script: stepped in Chromium in tests/page/test_player.py); and the example
notebook, executed in a real kernel so it cannot rot."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from drawing import GraphTooLarge, StepOutOfRange, render
from drawing.notebook import NOTEBOOK_HINT, _widget_class
from drawing.player import player_script
from engine import trace

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"
REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "backprop_in_a_notebook.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_a_trace_displays_as_its_graph():
    t = trace(LECTURE)
    bundle = t._repr_mimebundle_()
    assert bundle["image/svg+xml"] == render(t.to_dict(), "svg").decode("utf-8")
    assert "grad 5" in bundle["image/svg+xml"]              # ∂f/∂y = 3 + 2, on y's node
    assert bundle["text/plain"] == "<trace of 6 nodes, 12 steps: f = 6>"


def test_a_step_displays_as_the_graph_after_it():
    t = trace(LECTURE)
    for k in (0, 6, 11, 12):
        shown = t.step(k)
        assert shown._repr_mimebundle_()["image/svg+xml"] == render(t.to_dict(), "svg", k).decode("utf-8") == shown.svg
    assert 'id="node&#45;1" class="node bp-node leaf current"' in t.step(11).svg
    assert "grad 5" in t.step(11).svg and "grad 5" not in t.step(10).svg
    assert repr(t.step(6)) == "<trace of 6 nodes, after step 6 of 12: f = 6>"
    with pytest.raises(StepOutOfRange, match="between 0 and 12"):
        t.step(13)


def test_a_graph_too_large_to_draw_node_by_node_displays_collapsed():
    source = "a0 = 1.0\n" + "".join(f"a{i} = a{i - 1} * 1.001\n" for i in range(1, 401))
    t = trace(source)
    with pytest.raises(GraphTooLarge):
        render(t.to_dict(), "svg", level="nodes")
    bundle = t._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/svg+xml"}
    assert "bp&#45;group" in bundle["image/svg+xml"]          # one box per statement


def test_a_graph_too_large_even_collapsed_displays_as_text_saying_why():
    source = "a0 = 1.0\n" + "".join(f"a{i} = a{i - 1} * 1.001\n" for i in range(1, 6101))
    bundle = trace(source)._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert "(no drawing: This graph has 6,101 statements" in bundle["text/plain"]
    assert "collapsed drawings are limited to 6,000 boxes" in bundle["text/plain"]


def test_the_engine_displays_as_text_without_the_drawing_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "drawing.notebook", None)     # import drawing.notebook fails
    t = trace(LECTURE)
    assert set(t._repr_mimebundle_()) == {"text/plain"}


def test_the_widget_is_the_player_in_an_anywidget():
    import anywidget

    t = trace(LECTURE)
    w = t.widget()
    assert isinstance(w, anywidget.AnyWidget)
    state = w.get_state()
    assert state["_esm"] == player_script() and "export default { render }" in state["_esm"]
    assert state["step"] == 0 and state["data"]["last"] == 12 and len(state["data"]["panels"]) == 13
    w.step = 11
    assert w.get_state()["step"] == 11
    with pytest.raises(Exception, match="step must be between 0 and 12"):
        w.step = 13
    # where widgets do not run: the graph at the widget's step
    bundle, _ = w._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == w.model_id
    svg = render(t.to_dict(), "svg", 11).decode("utf-8")
    assert bundle["image/svg+xml"] == svg[svg.find("<svg"):]
    part = t.widget(first=6, last=9)
    assert (part.step, part.data["first"], part.data["last"]) == (6, 6, 9)


def test_the_widget_without_anywidget_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "anywidget", None)
    _widget_class.cache_clear()
    try:
        with pytest.raises(ImportError) as err:
            trace(LECTURE).widget()
    finally:
        _widget_class.cache_clear()
    assert str(err.value) == NOTEBOOK_HINT
    assert "pip install backprop-studio[notebook]" in NOTEBOOK_HINT


@pytest.mark.slow
def test_the_example_notebook_runs_and_shows_the_graph_and_the_widget(tmp_path, monkeypatch):
    import nbformat
    from ipykernel.kernelspec import install
    from nbclient import NotebookClient

    # A kernel of this interpreter, registered in a temporary folder: Jupyter's own folders
    # (kernels, runtime, IPython's profile) point there, so nothing in the home changes.
    for var, sub in (("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    install(kernel_name="backprop-studio-test", prefix=str(tmp_path / "prefix"))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "prefix" / "share" / "jupyter"))

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    NotebookClient(nb, kernel_name="backprop-studio-test", timeout=120, store_widget_state=True,
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o["data"] for o in outputs if o.output_type in ("execute_result", "display_data")]
    svgs = [d["image/svg+xml"] for d in shown if "image/svg+xml" in d and WIDGET_VIEW not in d]
    assert len(svgs) == 4                                   # t, t.step(6), t.step(11), layer
    assert "grad 5" in svgs[0] and "grad —" in svgs[1] and "grad 5" in svgs[2]
    assert 'class="node bp-node leaf current"' in svgs[2]
    assert "grad norm 1.118" in svgs[3]                     # ∂s/∂W = δ xᵀ = [[0, 0], [0.5, -1]]
    widgets = [d for d in shown if WIDGET_VIEW in d]
    assert len(widgets) == 2 and all("image/svg+xml" in d for d in widgets)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = [state[d[WIDGET_VIEW]["model_id"]]["state"] for d in widgets]
    assert models[0]["_esm"] == player_script() and models[0]["step"] == 11
    assert models[0]["data"]["total"] == 12 and models[1]["data"]["total"] > 12
    assert [o for o in outputs if o.get("data", {}).get("text/plain") == "11"]


def test_the_readmes_notebook_lines_run_as_written():
    from tests.readme import section

    code = section("Notebooks").split("```python\n")[1].split("```")[0]
    scope: dict = {"trace": trace}
    exec(compile(code, "README.md, ## Notebooks", "exec"), scope)
    assert scope["w"].step == 6 and scope["t"].step(11).k == 11


def test_a_vector_output_is_described_by_its_shape():
    t = trace("x = [1.0, 2.0]\ny = x * 2")
    assert t._repr_mimebundle_()["text/plain"] == "<trace of 3 nodes, 3 steps: y, vector 2>"
