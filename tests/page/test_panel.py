"""The node panel and the gradient check tab in a real browser, read as a student reads them:
the numbers of vector chain lines, the weight explorer of every product form (checked
against the document and against an independent reference), a concat's gradient in named
blocks, float noise shown as ≈ 0, and the gradient check's h and its one-sided numbers."""
from __future__ import annotations

import json
import math
import urllib.request

import numpy as np
import pytest

from tests.engine.reference import read_back

from tests.page.test_browser import keys, load_example, open_studio, run

SCREENSHOTS = "/tmp"


def trace_doc(page, source: str, **extra) -> dict:
    """The server's trace document for `source` (what the page was given), read back in full
    from the lean answer as the page reads it."""
    body = json.dumps({"source": source, **extra}).encode()
    req = urllib.request.Request(page.base_url + "/api/trace", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.loads(r.read())
    extras = {k: answer.pop(k) for k in list(answer) if k not in ("source", "output", "backward", "lean", "messages", "nodes", "steps")}
    return {**read_back(answer), **extras}


def backward_step(doc: dict, node: int) -> dict:
    return next(s for s in doc["steps"] if s["phase"] == "backward" and s["node"] == node)


def show_node_at_end(page, node: int) -> None:
    """Step to the end and pick `node` in the order list: the panel shows its backward step."""
    keys(page, "End")
    page.locator(f'#order li[data-node="{node}"] button').click()
    page.wait_for_selector(f'#panel-title[data-node="{node}"]')


def fmt3(x: float) -> str:
    """A number as the chain line writes it (Python's .3g, as the page's fmt)."""
    return format(x, ".3g")


# ---------------------------------------------------------------- chain lines with numbers

def test_vector_and_matrix_chain_lines_show_their_first_entries_and_shapes(page):
    open_studio(page)
    load_example(page, "window-classifier")
    src = page.input_value("#source")
    doc = trace_doc(page, src)
    show_node_at_end(page, 9)                     # v9 = W @ x
    step = backward_step(doc, 9)
    x_edge = next(e for e in step["edges"] if e["input"] == 5)
    w_edge = next(e for e in step["edges"] if e["input"] == 6)
    x_line = page.locator('#panel-node .edge-card[data-input="5"] [data-field="chain-numbers"] .math').get_attribute("data-latex")
    w_line = page.locator('#panel-node .edge-card[data-input="6"] [data-field="chain-numbers"] .math').get_attribute("data-latex")
    # x: [0.312, -0.39, -1.73, …](10) = [[0.179, -0.301, …], …]ᵀ(4×10) [1, -0.5, …](4)
    for v in x_edge["downstream"][:3]:
        assert fmt3(v) in x_line
    assert fmt3(x_edge["local"][0][0]) in x_line and fmt3(x_edge["local"][0][1]) in x_line
    assert "\\scriptscriptstyle(10)" in x_line and "\\scriptscriptstyle(4\\times 10)" in x_line
    assert "\\scriptscriptstyle(4)" in x_line and fmt3(step["upstream"][1]) in x_line
    # W: its 4×10 Jacobian is not listed: Jᵀ with its shape, and the gradient's first row.
    assert "J^{\\top}_{\\scriptscriptstyle(4\\times 4\\times 10)}" in w_line
    assert fmt3(w_edge["downstream"][0][0]) in w_line and fmt3(w_edge["downstream"][0][1]) in w_line
    # An elementwise op's Jacobian is diagonal: written as diag(…).
    show_node_at_end(page, 11)                    # h = relu(v10)
    relu_line = page.locator('#panel-node .edge-card[data-input="10"] [data-field="chain-numbers"] .math').get_attribute("data-latex")
    relu_local = next(e for e in backward_step(doc, 11)["edges"])["local"]
    diag = ",\\ ".join(fmt3(relu_local[i][i]) for i in range(3))
    assert f"\\operatorname{{diag}}({diag},\\ \\dots)_{{\\scriptscriptstyle(4\\times 4)}}" in relu_line
    # Every chain line fits the panel's width (no line runs out of its box).
    for node in (9, 10, 11, 12, 5):
        show_node_at_end(page, node)
        over = page.evaluate("""() => [...document.querySelectorAll('#panel-node .chain')]
            .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.closest('.edge-card')?.dataset.input)""")
        assert over == [], f"node {node}: chain lines wider than the panel: {over}"
    show_node_at_end(page, 9)
    page.locator('#panel-node .edge-card[data-input="5"]').screenshot(path=f"{SCREENSHOTS}/i11_panel_chain_x.png")


# ---------------------------------------------------------------- the weight explorer

PRODUCTS = {
    "W @ x": "W = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]\nx = [0.3, -0.2, 0.9]\ns = sum(tanh(W @ x))\n",
    "x @ W": "x = [0.3, -0.2]\nW = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]\ns = sum(tanh(x @ W))\n",
    "X @ W": "X = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.6], [0.7, 0.2]]\n"
             "W = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]\ns = sum(tanh(X @ W))\n",
    "A @ B": "A = [[0.3, -0.2, 0.1], [0.4, -0.5, 0.6]]\nB = [[0.5, -1.0], [2.0, 1.5], [0.25, -0.75]]\n"
             "s = sum(tanh(A @ B))\n",
    "outer": "a = [0.3, -0.2, 0.7]\nb = [0.5, -1.0]\ns = sum(tanh(outer(a, b)))\n",
    "dot": "a = [0.3, -0.2, 0.7]\nb = [0.5, -1.0, 2.0]\ns = tanh(dot(a, b))\n",
}

# The general entry each card states, with letters (∂s/∂A_ij in terms of δ and the other input).
HEADS = {
    "W @ x": ("\\delta_{i}\\, x_{j}", "\\sum_{k} W_{ki}\\, \\delta_{k}"),
    "x @ W": ("\\sum_{k} \\delta_{k}\\, W_{jk}", "x_{i}\\, \\delta_{j}"),
    "X @ W": ("\\sum_{k} \\delta_{ik}\\, W_{jk}", "\\sum_{k} X_{ki}\\, \\delta_{kj}"),
    "A @ B": ("\\sum_{k} \\delta_{ik}\\, B_{jk}", "\\sum_{k} A_{ki}\\, \\delta_{kj}"),
    "outer": ("\\sum_{k} \\delta_{ik}\\, b_{k}", "\\sum_{k} a_{k}\\, \\delta_{kj}"),
    "dot": ("\\delta\\, b_{j}", "a_{i}\\, \\delta"),
}


def reference_gradient(op: str, a: np.ndarray, b: np.ndarray, delta: np.ndarray, position: int) -> np.ndarray:
    """∂⟨δ, f(a, b)⟩/∂(input) entry by entry: f is linear in each input, so moving one entry
    by 1 changes ⟨δ, f⟩ by exactly that entry's gradient (no calculus in the reference)."""
    f = (lambda p, q: np.outer(p, q)) if op == "outer" else (lambda p, q: p @ q)
    base = np.sum(delta * f(a, b))
    x = (a, b)[position]
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        moved = x.copy()
        moved[idx] += 1.0
        out[idx] = np.sum(delta * (f(moved, b) if position == 0 else f(a, moved))) - base
    return out


@pytest.mark.parametrize("form", list(PRODUCTS))
def test_the_weight_explorer_explains_every_entry_of_every_product_form(page, form):
    source = PRODUCTS[form]
    open_studio(page)
    run(page, source)
    doc = trace_doc(page, source)
    product = next(n for n in doc["nodes"] if n["op"] in ("matmul", "outer"))
    step = backward_step(doc, product["id"])
    show_node_at_end(page, product["id"])
    a, b = (np.array(doc["nodes"][i]["value"], dtype=float) for i in product["inputs"])
    delta = np.array(step["upstream"], dtype=float)
    for edge in step["edges"]:
        position = edge["position"]
        card = page.locator(f'#panel-node .edge-card[data-input="{edge["input"]}"]')
        head = card.locator('[data-field="weights"] > .meta .math').get_attribute("data-latex")
        assert head.endswith(HEADS[form][position]), (form, position, head)
        reference = reference_gradient(product["op"], a, b, delta, position)
        document = np.array(edge["downstream"], dtype=float)
        cells = card.locator('[data-field="downstream"] td')
        assert cells.count() == document.size
        for k in range(cells.count()):
            cells.nth(k).click()
            shown = card.locator('[data-field="weight"]')
            index = tuple(json.loads(shown.get_attribute("data-index")))
            entry = json.loads(shown.get_attribute("data-entry"))
            terms = json.loads(shown.get_attribute("data-terms"))
            assert entry == document[index], (form, position, index)           # the entry shown is the document's
            assert math.isclose(math.fsum(u * o for u, o in terms), entry, rel_tol=1e-12, abs_tol=1e-15), (form, index, terms)
            assert math.isclose(entry, reference[index], rel_tol=1e-9, abs_tol=1e-12), (form, index)
            assert "picked" in cells.nth(k).get_attribute("class")
            # The entries it is made of are marked in δ and in the other input.
            used_delta = card.locator(".wx-delta .used").count()
            used_other = card.locator(".wx-other .used").count()
            assert used_delta == used_other == len(terms), (form, index, used_delta, used_other)
            # Its numbers: one per term, the products of δ's entries and the other input's.
            line = shown.locator(".math").get_attribute("data-latex")
            assert format(entry, ".4g") in line or "e" in format(entry, ".4g"), (line, entry)
    card = page.locator('#panel-node .edge-card').nth(0)
    card.screenshot(path=f"{SCREENSHOTS}/i11_panel_explorer_{form.replace(' ', '').replace('@', '_at_')}.png")


def test_the_window_classifiers_explorer_keeps_the_lectures_numbers(page):
    """∂s/∂W_45 = δ_4 · x_5 = 2 × 0.5 = 1, one product on one line; x's entries are sums over W's rows."""
    open_studio(page)
    load_example(page, "window-classifier")
    show_node_at_end(page, 9)
    card = page.locator('#panel-node .edge-card[data-input="6"]')
    card.locator('[data-field="downstream"] td[data-i="3"][data-j="4"]').click()
    assert card.locator('[data-field="weight"] .math').get_attribute("data-latex").endswith(
        "= \\delta_{4}\\, x_{5} = 2 \\times 0.5 = 1")
    x_card = page.locator('#panel-node .edge-card[data-input="5"]')
    x_card.locator('[data-field="downstream"] td[data-i="0"][data-j="2"]').click()
    latex = x_card.locator('[data-field="weight"] .math').get_attribute("data-latex")
    assert latex.startswith("\\begin{aligned}&\\frac{\\partial s}{\\partial x_{3}} = W_{13}\\, \\delta_{1} + W_{23}\\, \\delta_{2} + \\cdots + W_{43}\\, \\delta_{4}")
    assert len(json.loads(x_card.locator('[data-field="weight"]').get_attribute("data-terms"))) == 4
    page.locator("#panel-node").screenshot(path=f"{SCREENSHOTS}/i11_panel_window_v9.png")


# ---------------------------------------------------------------- concat blocks

WORDS = ["museums", "x_in", "Paris", "are", "amazing"]


def test_a_concat_gradient_is_shown_as_one_named_coloured_block_per_word(page):
    open_studio(page)
    load_example(page, "window-classifier")
    doc = trace_doc(page, page.input_value("#source"))
    show_node_at_end(page, 5)                                     # x = concat(museums, …)
    upstream = page.locator('#panel-node [data-field="upstream"] .tensor')
    blocks = upstream.locator("tr.blocks th")
    assert [blocks.nth(k).inner_text() for k in range(5)] == WORDS
    assert [blocks.nth(k).get_attribute("colspan") for k in range(5)] == ["2"] * 5
    colours = [blocks.nth(k).evaluate("th => getComputedStyle(th).borderBottomColor") for k in range(5)]
    assert len(set(colours)) == 5, colours                        # five different colours
    # Each word's card has its block's colour, and its downstream is its block of x's gradient.
    x_grad = backward_step(doc, 5)["upstream"]
    for k, word in enumerate(WORDS):
        card = page.locator(f'#panel-node .edge-card[data-position="{k}"]')
        assert card.evaluate("c => getComputedStyle(c).borderLeftColor") == colours[k]
        assert card.locator(".ec-head b").inner_text() == word
        cells = upstream.locator(f"td.in-block")
        shown = [float(card.locator('[data-field="downstream"] td').nth(j).get_attribute("title")) for j in range(2)]
        assert shown == pytest.approx(x_grad[2 * k:2 * k + 2], rel=1e-3)
        assert cells.count() == 10
    page.locator("#panel-node").screenshot(path=f"{SCREENSHOTS}/i11_panel_concat.png")
    # The same blocks on v9's card for x (W @ x), and a block's name goes back to its word.
    show_node_at_end(page, 9)
    x_card = page.locator('#panel-node .edge-card[data-input="5"]')
    names = x_card.locator('[data-field="downstream"] tr.blocks th')
    assert [names.nth(k).inner_text() for k in range(5)] == WORDS
    names.nth(2).locator("button").click()
    assert page.inner_text("#panel-title .nt-name") == "Paris"
    paris = backward_step(doc, 2)["upstream"]
    assert paris == x_grad[4:6]                                   # Paris's gradient is its block


# ---------------------------------------------------------------- float noise

NOISE = "a = 0.1\nb = 0.2\nc = a + b - 0.3\ny = 3.0\nf = c * y\nv = [1.0, 0.1] + [0.0, 0.2] - [0.0, 0.3]\n"


def test_float_noise_reads_as_about_zero_with_its_exact_number_in_the_title(page):
    """0.1 + 0.2 − 0.3 = 5.55e-17 in double precision where the exact answer is 0: the panel
    shows ≈ 0 (below 1e-12 × the numbers it is computed from) and keeps the exact number."""
    source = NOISE + "g = f + sum(v)\n"
    open_studio(page)
    run(page, source)
    doc = trace_doc(page, source)
    c = next(n for n in doc["nodes"] if n["name"] == "c")
    assert 0 < abs(c["value"]) < 1e-15                            # the noise is really there
    show_node_at_end(page, c["id"])
    value = page.locator('#panel-node [data-field="value"] .num')
    assert value.inner_text() == "≈ 0"
    assert value.get_attribute("title") == f"exact: {c['value']!r}"
    # y's gradient is c: noise too, on y's panel and on f's card for y, chain line included.
    y = next(n for n in doc["nodes"] if n["name"] == "y")
    f = next(n for n in doc["nodes"] if n["name"] == "f")
    show_node_at_end(page, y["id"])
    assert page.inner_text('#panel-node [data-field="upstream"]') == "≈ 0"
    show_node_at_end(page, f["id"])
    card = page.locator(f'#panel-node .edge-card[data-input="{y["id"]}"]')
    assert card.locator('[data-field="downstream"]').inner_text() == "≈ 0"
    assert card.locator('[data-field="local"]').inner_text() == "≈ 0"
    nums = card.locator('[data-field="chain-numbers"]')
    assert nums.locator(".math").get_attribute("data-latex") == "{\\approx}0 = {\\approx}0 \\times 1"
    assert "exact: 5.551115123125783e-17" in nums.get_attribute("title")
    # c's card for its first input is not noise: 3 = 1 × 3.
    x_card = page.locator(f'#panel-node .edge-card[data-input="{c["id"]}"]')
    assert x_card.locator('[data-field="downstream"]').inner_text() == "3"
    # In a table: the entry that is noise next to 1.0 reads ≈ 0; the 1 stays.
    v = next(n for n in doc["nodes"] if n["name"] == "v")
    show_node_at_end(page, v["id"])
    cells = page.locator('#panel-node [data-field="value"] td')
    assert [cells.nth(0).inner_text(), cells.nth(1).inner_text()] == ["1", "≈ 0"]
    assert cells.nth(1).get_attribute("title") == f"exact: {v['value'][1]!r}"
    page.locator("#panel-node").screenshot(path=f"{SCREENSHOTS}/i11_panel_noise.png")


def test_a_small_true_number_is_not_mistaken_for_noise(page):
    """1e-10 × 2 = 2e-10 is small but 1e-10 of the numbers it is made of, not 1e-12: shown as
    a number. (The rule reads only sizes: a true value 1e-12 below its step's numbers reads ≈ 0,
    its exact value in the title.)"""
    source = "a = 0.0000000001\nb = 2.0\nf = a * b\n"
    open_studio(page)
    run(page, source)
    show_node_at_end(page, 2)
    assert page.inner_text('#panel-node [data-field="value"]') == "2e-10"
    assert page.inner_text('#panel-node .edge-card[data-input="1"] [data-field="downstream"]') == "1e-10"
    assert page.locator("#panel-node .noise").count() == 0


# ---------------------------------------------------------------- fan-out positions and rules

def test_fan_out_contributions_say_through_which_input_they_came(page):
    source = "x = 3.0\nz = x * x\nf = z + x\n"
    open_studio(page)
    run(page, source)
    doc = trace_doc(page, source)
    contributions = backward_step(doc, 0)["contributions"]
    assert all("position" in c for c in contributions)
    show_node_at_end(page, 0)
    items = page.locator("#panel-node .contribs li")
    texts = sorted(items.nth(k).inner_text() for k in range(items.count()))
    assert any("(x * x), as its 1st input" in t for t in texts), texts
    assert any("(x * x), as its 2nd input" in t for t in texts), texts
    assert any("(z + x), as its 2nd input" in t for t in texts), texts


def test_the_local_and_the_downstream_rule_sit_beside_their_values(page):
    open_studio(page)
    load_example(page, "window-classifier")
    doc = trace_doc(page, page.input_value("#source"))
    edge = next(e for e in backward_step(doc, 9)["edges"] if e["input"] == 6)
    show_node_at_end(page, 9)
    card = page.locator('#panel-node .edge-card[data-input="6"]')
    local = card.locator('dd:has([data-field="local"]) .rule[data-rule="local"]')
    down = card.locator('dd:has([data-field="downstream"]) .rule[data-rule="downstream"]')
    assert local.locator(".math").get_attribute("data-latex") == edge["rule"]["latex"]
    assert down.locator(".math").get_attribute("data-latex") == edge["downstream_rule"]["latex"]
    card.screenshot(path=f"{SCREENSHOTS}/i11_panel_rules.png")


# ---------------------------------------------------------------- the gradient check tab

def test_the_gradient_check_sends_h_and_shows_both_differences(page):
    open_studio(page)
    run(page, "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)")
    page.click("#tab-gradcheck")
    assert page.input_value("#gradcheck-h") == "1e-4"
    sent = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/api/trace") and r.method == "POST" else None)
    page.fill("#gradcheck-h", "1e-3")
    page.click("#btn-gradcheck")
    page.locator("#gc-summary").wait_for()
    assert sent and sent[-1]["h"] == 1e-3 and sent[-1]["gradcheck"] is True
    # A bad h is refused on the page, with a word of why.
    page.fill("#gradcheck-h", "-1")
    page.click("#btn-gradcheck")
    assert "positive" in page.inner_text("#gradcheck-result")
    assert page.get_attribute("#gradcheck-h", "aria-invalid") == "true"
    page.fill("#gradcheck-h", "1e-3")
    page.click("#btn-gradcheck")
    page.locator("#gc-summary").wait_for()
    answer = trace_doc(page, "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)", gradcheck=True, h=1e-3)["gradcheck"]
    entry = answer["leaves"][0]["entries"][0]
    assert "h = 0.001" in page.inner_text("#gc-summary")
    detail = page.locator('tr[data-leaf-detail="x"]')
    for key in ("f_plus", "f_minus", "one_sided", "one_sided_rel_error"):
        assert detail.locator(f'[data-key="{key}"] b').inner_text() == format(entry[key], ".4g")
    page.locator("#panel-gradcheck").screenshot(path=f"{SCREENSHOTS}/i11_panel_gradcheck.png")


def test_an_entry_at_a_kink_is_flagged_with_its_note(page):
    source = "x = 0.0\nf = relu(x) + x\n"
    open_studio(page)
    run(page, source)
    answer = trace_doc(page, source, gradcheck=True)["gradcheck"]
    entry = answer["leaves"][0]["entries"][0]
    assert entry["kink"]
    page.click("#tab-gradcheck")
    page.click("#btn-gradcheck")
    page.locator("#gc-summary").wait_for()
    note = page.locator('tr[data-leaf-note="x"]')
    assert "kink" in note.inner_text()
    if entry["note"]:
        assert entry["note"] in note.inner_text()
    page.locator("#panel-gradcheck").screenshot(path=f"{SCREENSHOTS}/i11_panel_kink.png")
