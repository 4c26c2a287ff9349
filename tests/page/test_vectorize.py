"""Vectorization in the Tips view, in a real browser: the program as written and unrolled,
with the server's counts, and the unrolled graph stepped in the Graph view (and restored by
a link)."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

from tests.page.test_browser import open_studio, wait_runs

SRC = "W = randn(3, 4, seed=1)\nx = randn(4, seed=2)\nb = zeros(3)\nh = tanh(W @ x + b)\ns = sum(h)"


def api(base: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def test_tips_view_compares_and_opens_the_unrolled_graph(wide):
    page = wide
    open_studio(page, "#program=" + urllib.parse.quote(SRC) + "&step=0")
    page.click('.views [data-view="tips"]')
    page.click('[data-tip="vectorize"]')
    page.wait_for_selector("#tips-vectorize .vec-table")
    expected = api(page.base_url, "/api/vectorize", {"source": SRC})
    rows = page.locator("#tips-vectorize .vec-table tbody tr")
    cells = [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(2)]
    assert cells[0][:2] == [str(expected["vectorized"]["nodes"]), str(expected["vectorized"]["steps"])] == ["7", "14"]
    assert cells[1][:2] == [str(expected["unrolled"]["nodes"]), str(expected["unrolled"]["steps"])] == ["48", "96"]
    page.screenshot(path="/tmp/vectorize-tips.png")

    runs = int(page.evaluate("document.body.dataset.runs"))
    page.click("#vec-open-unrolled")
    wait_runs(page, runs + 1)
    assert page.locator("#view-graph").is_visible() and page.locator("#variant-banner").is_visible()
    assert "48 nodes" in page.inner_text("#variant-banner")
    assert page.locator("#order li").count() == 48
    assert page.locator("#graph g#node-1 text").first.text_content() == "W[0,1]"
    page.keyboard.press("End")
    page.wait_for_function("window.studio.state.view.step === 96")
    # the gradient of W[0,1] is x[1] times tanh′ of row 0, as the engine computed it
    unr = api(page.base_url, "/api/trace", {"source": SRC, "unroll": True})
    grad = unr["nodes"][1]["grad"]
    texts = " ".join(page.locator("#graph g#node-1 text").all_text_contents()).replace("−", "-")
    assert f"{grad:.4g}" in texts, texts
    page.screenshot(path="/tmp/vectorize-graph.png")

    # a link brings the unrolled graph back; the banner's button returns to the program as written
    page.evaluate("window.studio.writeHash()")
    assert "unroll=1" in page.evaluate("location.hash")
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#variant-banner").is_visible() and page.locator("#order li").count() == 48
    runs = int(page.evaluate("document.body.dataset.runs"))
    page.click("#variant-back")
    wait_runs(page, runs + 1)
    assert page.locator("#variant-banner").is_hidden() and page.locator("#order li").count() == 7


def test_a_program_that_cannot_be_unrolled_says_where(wide):
    page = wide
    src = "W = randn(9, 9, seed=1)\ns = sum(W)"
    open_studio(page, "#program=" + urllib.parse.quote(src) + "&step=0")
    page.click('.views [data-view="tips"]')
    page.click('[data-tip="vectorize"]')
    page.wait_for_selector("#tips-vectorize .vec-refused")
    assert "line 1, col 5" in page.inner_text("#tips-vectorize .vec-refused")
    assert "at most 64 entries" in page.inner_text("#tips-vectorize .vec-refused")
