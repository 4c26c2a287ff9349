"""The Train view in a real browser against a real server: a student runs two optimizers on a
program and reads the curves, the update with its numbers (checked against the server's own
inspection), the loss slice with the paths, the learning-rate map, opens an iteration in the
graph and comes back, and shares a link that restores the whole lab."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from tests.page.test_browser import node_text, open_studio

VALLEY = "x = -1.0; y = 1.5\nf = (1 - x)**2 + 5*(y - x*x)**2\n"
# The page's default runs, as it sends them (an empty field sends nothing: the server fills PyTorch's default).
RUNS = [
    {"optimizer": "sgd", "lr": 0.002, "momentum": 0.9, "schedule": {"name": "constant"}, "label": "SGD lr 0.002"},
    {"optimizer": "adam", "lr": 0.05, "schedule": {"name": "constant"}, "label": "Adam lr 0.05"},
]
STEPS = 100


def post(base: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def open_train(page, source: str = VALLEY, trained: int = 1) -> None:
    """Open the studio on `source` in the Train view and wait for its runs to be drawn."""
    open_studio(page, "#program=" + urllib.parse.quote(source) + "&step=0&view=train")
    page.wait_for_selector(f'#view-train[data-trained="{trained}"]', state="attached", timeout=60000)


def example_source(live_server: str, example_id: str) -> str:
    """A lab example's program (GET /api/train/options), as the page puts it in the editor."""
    with urllib.request.urlopen(live_server + "/api/train/options", timeout=30) as r:
        examples = json.loads(r.read())["examples"]
    return next(e["source"] for e in examples if e["id"] == example_id).rstrip("\n")


def shown(page, run: int, field: str) -> tuple[float, str]:
    """The number the update panel shows for run `run`'s `field`: its exact value and its text."""
    cell = page.locator(f'#train-update-cols .tr-col[data-run="{run}"] tr[data-field="{field}"] td.num')
    return float(cell.get_attribute("data-value")), cell.inner_text().strip()


def wait_inspected(page, iteration: int) -> None:
    page.wait_for_selector(f'#train-update-cols[data-iteration="{iteration}"] .tr-col[data-run="1"][data-iteration]',
                           state="attached", timeout=60000)


# ---------------------------------------------------------------- curves and the update

def test_two_optimizers_on_a_lab_example_draw_their_curves_and_the_update_matches_the_server(page, live_server):
    open_studio(page)
    page.click('.views [data-view="train"]')
    page.wait_for_selector('#view-train[data-trained]', state="attached", timeout=60000)
    trained = page.get_attribute("#view-train", "data-trained")
    page.select_option("#train-example", "valley")
    page.wait_for_selector(f'#view-train[data-trained="{int(trained) + 1}"]', state="attached", timeout=60000)
    valley = example_source(live_server, "valley")
    assert page.input_value("#source") == valley
    for plot in ("loss", "lr", "grad_norm"):
        box = page.locator(f'.tr-plot[data-plot="{plot}"]')
        assert box.get_attribute("data-series") == "2"
        assert box.locator("canvas").count() == 1
    # uPlot's legend lists the iteration axis and one series per run
    legend = page.locator("#train-loss .u-legend tr.u-series")
    assert legend.count() == 3
    assert [legend.nth(i).locator(".u-label").inner_text() for i in (1, 2)] == ["SGD lr 0.002", "Adam lr 0.05"]
    assert page.get_attribute("#train-loss", "data-scale") == "log"

    wait_inspected(page, 0)
    at0 = {f: shown(page, 0, f)[0] for f in ("value", "grad", "update")}
    page.locator("#train-iter").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#train-iter-label") == "iteration 10 of 100"
    wait_inspected(page, 10)
    at10 = {f: shown(page, 0, f)[0] for f in ("value", "grad", "update")}
    assert all(at10[f] != at0[f] for f in at0), "the slider changes the update panel's numbers"

    # every number shown is the server's inspection of that run at that iteration, as it is
    for run in (0, 1):
        answer = post(live_server, "/api/train", {"source": valley, "steps": STEPS, "runs": RUNS,
                                                  "inspect": {"run": run, "iteration": 10, "entry": {"x": []}}})
        x = next(p for p in answer["parameters"] if p["name"] == "x")
        for field, want in [("value", x["value"]), ("grad", x["grad"]), ("step_size", x["step_size"]), ("update", x["update"]),
                            *[(f"state-{k}", v) for k, v in x["state"].items()]]:
            got, text = shown(page, run, field)
            assert got == want, (run, field)
            assert text == format(want, ".4g"), (run, field)
        assert page.locator(f'.tr-col[data-run="{run}"] [data-field="rule-numbers"] .katex').count() == 1
        latex = page.locator(f'.tr-col[data-run="{run}"] [data-field="rule-numbers"] .math').get_attribute("data-latex")
        assert latex == x["rule"]["numbers"]
    # Adam's column shows its buffers by name
    assert page.locator('.tr-col[data-run="1"] tr[data-field="state-exp_avg_sq"]').count() == 1
    assert page.locator('.tr-col[data-run="0"] tr[data-field="state-momentum_buffer"]').count() == 1


def test_the_loss_axis_goes_linear_on_request(page):
    open_train(page)
    page.locator("#train-log").uncheck()
    page.wait_for_selector('#train-loss[data-scale="linear"]', state="attached")
    assert "&train=" in page.url and '"log":false' in urllib.parse.unquote(page.url)


# ---------------------------------------------------------------- the slice, vectors, the map

def test_the_slice_of_a_two_parameter_program_is_its_surface_with_both_paths(page, live_server):
    open_train(page)
    box = page.wait_for_selector('#train-slice-plot[data-paths="2"]', state="attached", timeout=60000)
    assert box.get_attribute("data-exact") == "true"
    assert int(box.get_attribute("data-contours")) >= 5
    assert page.locator("#train-slice-plot polyline.tr-path").count() == 2
    assert "true loss surface" in page.inner_text("#train-slice-held")
    answer = post(live_server, "/api/train/slice", {"source": VALLEY, "steps": STEPS, "runs": RUNS, "run": 0, "iteration": 0,
                                                    "x": {"name": "x", "entry": []}, "y": {"name": "y", "entry": []}, "grid": 41})
    assert answer["exact"] is True and len(answer["paths"]) == 2
    # each path is drawn up to the slider's iteration: its first point only at iteration 0
    first = page.locator('#train-slice-plot polyline.tr-path[data-run="0"]').get_attribute("points").split()
    assert len(first) == 1


def test_a_slice_through_a_tensor_says_what_is_held(page, live_server):
    source = example_source(live_server, "network-l2")
    open_train(page, source)
    page.wait_for_selector("#train-slice-plot[data-paths]", state="attached", timeout=60000)
    assert page.get_attribute("#train-slice-plot", "data-exact") == "false"
    held = page.inner_text("#train-slice-held")
    assert "held" in held and "iteration 0" in held
    assert page.locator("#train-slice-x option:checked").inner_text() == "W1[0, 0]"      # the first coordinates
    assert page.locator("#train-slice-y option:checked").inner_text() == "W1[0, 1]"
    assert page.locator("#train-slice-x option", has_text="W2[7, 2]").count() == 1


def test_word_vectors_move_and_frozen_ones_stay_put(page, live_server):
    open_train(page, example_source(live_server, "window-trainable"))
    box = page.locator("#train-vec-plot")
    assert int(box.get_attribute("data-moving")) >= 5 and box.get_attribute("data-frozen") == "0"
    assert page.locator('#train-vec-plot polyline[data-vector="Paris"]').count() == 1

    # the frozen window, opened in the same tab by its link: the lab trains the new program
    page.goto(page.base_url + "/#program=" + urllib.parse.quote(example_source(live_server, "window-frozen")) + "&step=0&view=train")
    page.wait_for_selector('#view-train[data-trained="2"]', state="attached", timeout=60000)
    box = page.locator("#train-vec-plot")
    assert box.get_attribute("data-frozen") == "5"
    assert page.locator('#train-vec-plot polyline[data-vector="Paris"]').count() == 0
    assert page.locator("#train-vec-plot path.tr-frozen").count() == 5


def test_the_learning_rate_map_colours_its_cells(page, live_server):
    open_train(page)
    page.click("#train-map-run")
    page.wait_for_selector("#train-map[data-cells]", state="attached", timeout=120000)
    cells = page.locator("#train-map .tr-cell")
    assert cells.count() == 9 * 4
    answer = post(live_server, "/api/train/lrmap", {"source": VALLEY, "steps": STEPS, "optimizer": "sgd",
                                                    "lrs": {"min": 0.001, "max": 1, "count": 9}, "momenta": [0, 0.5, 0.9, 0.99]})
    # the largest momentum is the top row
    want = [c["class"] for row in reversed(answer["cells"]) for c in row]
    got = [cells.nth(i).get_attribute("data-class") for i in range(cells.count())]
    assert got == want and len(set(got)) >= 2
    colours = {}
    for i, cls in enumerate(got):
        colours.setdefault(cls, set()).add(cells.nth(i).evaluate("e => getComputedStyle(e).backgroundColor"))
    assert all(len(v) == 1 for v in colours.values()) and len({next(iter(v)) for v in colours.values()}) == len(colours)
    assert page.locator("#train-map-legend dt").count() == 4
    assert "99%" in page.inner_text("#train-map-legend")


# ---------------------------------------------------------------- back to backprop, the link

def test_an_iteration_opens_in_the_graph_and_steps_and_comes_back(page, wide, live_server):
    open_train(page)
    page.locator("#train-iter").focus()
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    runs = int(page.get_attribute("body", "data-runs"))
    page.click("#train-open")
    page.wait_for_selector(f'body[data-runs="{runs + 1}"]', state="attached", timeout=60000)
    assert page.is_visible("#view-graph") and not page.is_visible("#view-train")
    assert page.inner_text("#graph-at-text").startswith("Iteration 7 of SGD lr 0.002")
    doc = post(live_server, "/api/train", {"source": VALLEY, "steps": STEPS, "runs": RUNS})
    x7 = doc["runs"][0]["trajectories"]["x"]["values"][7][0]
    page.locator("#graph").focus()
    page.keyboard.press("End")                 # every value and gradient computed
    assert node_text(page, 0, 2).replace("−", "-") == f"value {format(x7, '.4g')}"
    # a link of the graph at this iteration opens it there
    page.click("#btn-share")
    wide.goto(page.url)
    wide.wait_for_selector("body[data-ready=true]")
    assert wide.is_visible("#graph-at") and wide.inner_text("#graph-at-text").startswith("Iteration 7 of SGD lr 0.002")
    assert node_text(wide, 0, 2).replace("−", "-") == f"value {format(x7, '.4g')}"
    page.click("#graph-at-back")
    assert page.is_visible("#view-train") and page.input_value("#train-iter") == "7"
    page.click('[data-view="graph"]')
    page.click("#graph-at-own")
    page.wait_for_selector("#graph-at", state="hidden")
    page.locator("#graph").focus()
    page.keyboard.press("End")
    assert node_text(page, 0, 2) in ("value -1", "value −1")


def test_a_link_restores_the_lab(page, wide):
    open_train(page)
    page.click("#train-add")
    page.select_option('.tr-run[data-run="2"] select', "rmsprop")
    page.fill('.tr-run[data-run="2"] input[data-hyper="lr"]', "0.01")
    page.check('.tr-run[data-run="2"] input[data-hyper="centered"]')
    page.fill("#train-steps", "30")
    page.locator("#train-steps").press("Tab")
    page.select_option("#train-schedule", "cosine")
    page.fill('input[data-schedule="t_max"]', "30")
    page.locator('input[data-schedule="t_max"]').press("Tab")
    page.click("#train-run")
    page.wait_for_selector('#view-train[data-trained="2"]', state="attached", timeout=60000)
    page.locator("#train-log").uncheck()
    page.locator("#train-iter").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.click("#btn-share")
    url = page.url
    assert "view=train" in url and "train=" in url

    wide.goto(url)
    wide.wait_for_selector("body[data-ready=true]")
    wide.wait_for_selector('#view-train[data-trained="1"]', state="attached", timeout=60000)
    assert wide.locator(".tr-run").count() == 3
    assert wide.input_value('.tr-run[data-run="2"] select') == "rmsprop"
    assert wide.input_value('.tr-run[data-run="2"] input[data-hyper="lr"]') == "0.01"
    assert wide.is_checked('.tr-run[data-run="2"] input[data-hyper="centered"]')
    assert wide.input_value("#train-steps") == "30"
    assert wide.input_value("#train-schedule") == "cosine"
    assert wide.input_value('input[data-schedule="t_max"]') == "30"
    assert not wide.is_checked("#train-log")
    assert wide.input_value("#train-iter") == "5"
    assert wide.get_attribute("#train-loss", "data-series") == "3"
    assert wide.inner_text("#train-iter-label") == "iteration 5 of 30"


def test_a_bad_field_is_named(page):
    open_train(page)
    page.fill('.tr-run[data-run="0"] input[data-hyper="lr"]', "-1")
    page.locator('.tr-run[data-run="0"] input[data-hyper="lr"]').press("Tab")
    page.click("#train-run")
    page.wait_for_selector('#view-train[data-trained="error"]', state="attached", timeout=60000)
    message = page.inner_text("#train-error")
    assert "lr" in message and "runs[0]" in message


def test_a_diverged_run_is_said_and_left_off_the_slice(page, live_server):
    valley = example_source(live_server, "valley")
    lab = {"runs": [{"optimizer": "sgd", "hyper": {"lr": "0.01"}}, {"optimizer": "adam", "hyper": {"lr": "0.05"}}], "steps": 100}
    runs = [{"optimizer": "sgd", "lr": 0.01}, {"optimizer": "adam", "lr": 0.05}]
    doc = post(live_server, "/api/train", {"source": valley, "steps": 100, "runs": runs})
    at = doc["runs"][0]["diverged_at"]
    assert at is not None and doc["runs"][1]["diverged_at"] is None
    open_studio(page, "#program=" + urllib.parse.quote(valley) + "&view=train&train=" + urllib.parse.quote(json.dumps(lab)))
    page.wait_for_selector('#view-train[data-trained="1"]', state="attached", timeout=60000)
    assert page.inner_text('#train-notes [data-run="0"]').startswith(f"SGD lr 0.01 diverged at iteration {at}")
    assert page.locator("#train-notes li").count() == 1
    # the slice holds a run that did not diverge (Adam), its range follows Adam's path, and the
    # diverged path is drawn running off it
    assert page.input_value("#train-open-run") == "1"
    page.wait_for_selector('#train-slice-plot[data-paths="2"]', state="attached", timeout=60000)
    assert page.locator("#train-slice-plot polyline.tr-path").count() == 2
    assert "SGD lr 0.01 diverged: its path runs off the plot." in page.inner_text("#train-slice-held")
    ticks = [float(t.replace("−", "-")) for t in page.locator("#train-slice-plot .tr-axes text").all_text_contents()[:5]]
    assert max(abs(v) for v in ticks) < 10      # the valley's scale, not the runaway path's
    # the update panel shows the diverged run at its last finite iteration
    page.locator("#train-iter").focus()
    page.keyboard.press("End")
    wait_inspected(page, 100)
    assert page.get_attribute('.tr-col[data-run="0"]', "data-iteration") == str(at - 1)
    assert "(its last)" in page.inner_text('.tr-col[data-run="0"] .tr-col-head')


def test_a_program_without_a_scalar_loss_is_refused_and_the_old_pictures_fade(page):
    open_train(page)
    runs = int(page.get_attribute("body", "data-runs"))
    page.locator("#source").fill("x = [1.0, 2.0]\ny = x * 2")
    page.locator("#source").press("Control+Enter")
    page.wait_for_selector(f'body[data-runs="{runs + 1}"]', state="attached")
    page.wait_for_selector('#view-train[data-trained="error"]', state="attached", timeout=60000)
    assert "scalar" in page.inner_text("#train-error")
    assert "tr-stale" in page.get_attribute("#view-train", "class")
    page.locator("#source").fill(VALLEY)
    page.locator("#source").press("Control+Enter")
    page.wait_for_selector('#view-train[data-trained="1"]', state="attached", timeout=60000)
    assert "tr-stale" not in (page.get_attribute("#view-train", "class") or "")
