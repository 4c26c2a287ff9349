"""The studio in Korean and English (issue 17): a switch re-tells every visible text from the
catalogue without running the program again, the shared link carries the language, and the
glossary's links open the studio where each term shows."""
from __future__ import annotations

import re
import urllib.parse

import pytest

from app.examples import EXAMPLES
from app.glossary import entries
from engine import i18n
from tests.page.test_browser import LECTURE, open_studio

TWO_LAYER = next(e["source"] for e in EXAMPLES if e["id"] == "two-layer").removesuffix("\n")
BACKWARD_STEP = 8          # the lecture's example: v4 = max passes its gradient on
HANGUL = re.compile("[가-힣]")
# Latin words a Korean page may show: the notes' terms kept in English (the glossary's terms),
# file formats, keys, op names and the studio's name; the program's own names are added per page.
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ALLOWED = ({w.lower() for k, v in i18n.catalogue("ko").items() if k.endswith(".term.same") for w in WORD.findall(v)}
           | {"svg", "png", "pdf", "dot", "json", "pptx", "gif", "mp4", "html", "api", "ctrl", "lr", "tb",
              "relu", "tanh", "sigmoid", "max", "sum", "backprop", "studio", "graph", "e", "ms", "cs224n", "n", "h", "x", "y"}
           # proper names (initializations, optimizers) and PyTorch's names of their settings
           | {"xavier", "he", "naive", "zeros", "sgd", "adam", "adamw", "rmsprop", "adagrad", "pytorch", "l2",
              "lr", "momentum", "dampening", "nesterov", "weight_decay", "amsgrad", "betas", "eps"})

# Every visible text node of `root`, with where it is: KaTeX, the graph's SVG labels (the
# program's names and numbers), the editor and anything marked as another language are left out.
VISIBLE_TEXTS = """(root) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const e = n.parentElement;
    // standby panes sit under the shown panel (prepare.js): prepared, not seen
    if (!text || !e || e.closest(".katex, #graph svg, #minimap, .editor, script, style, .sr-only, .standby, [lang]:not([lang=ko])")) continue;
    if (!e.checkVisibility({ visibilityProperty: true }) || !e.getClientRects().length) continue;
    out.push({ text, where: (e.id ? "#" + e.id : "") + "." + [...e.classList].join(".") + " in " + (e.closest("[id]") || {}).id });
  }
  return out;
}"""


def untold(page, root: str, names: set[str]) -> list[dict]:
    """The visible texts under `root` that are not Korean: no Hangul, and a Latin word that is
    neither a kept term nor one of the program's `names`."""
    allowed = ALLOWED | {n.lower() for n in names}
    bad = []
    for t in page.evaluate(VISIBLE_TEXTS, root):
        if HANGUL.search(t["text"]):         # a Korean sentence (keeping the notes' terms)
            continue
        if any(w.lower() not in allowed for w in WORD.findall(t["text"])):
            bad.append(t)
    return bad


def report(bad: list[dict]) -> str:
    """The texts left in English, once each, with where they are."""
    seen = dict.fromkeys(f"{t['text'][:80]!r} at {t['where']}" for t in bad)
    return f"{len(seen)} texts not in Korean:\n" + "\n".join(seen)


def program_names(page) -> set[str]:
    """The identifiers of the program shown and the ops its nodes use."""
    return set(page.evaluate("""() => {
      const d = window.studio.state.doc;
      return [...(d.source.match(/[A-Za-z_][A-Za-z0-9_]*/g) || []), ...d.trace.nodes.flatMap((n) => [n.op || "", n.symbol || ""])];
    }"""))


def switch_to(page, lang: str) -> None:
    page.click(f'.lang-switch [data-lang="{lang}"]')
    page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang)


def open_lecture(page, step: int = BACKWARD_STEP, extra: str = "") -> None:
    open_studio(page, "#program=" + urllib.parse.quote(LECTURE) + f"&step={step}{extra}")


def test_switching_to_korean_retells_the_graph_view_without_running_again(page):
    open_lecture(page)
    runs = page.get_attribute("body", "data-runs")
    assert page.evaluate("document.documentElement.lang") == "en"
    switch_to(page, "ko")
    assert page.get_attribute("body", "data-runs") == runs                  # nothing ran again
    assert page.evaluate("window.studio.state.view.step") == BACKWARD_STEP
    assert page.inner_text("#btn-run").startswith("실행")
    assert page.inner_text("#step-label").startswith(f"step {BACKWARD_STEP} / 12")
    assert page.get_attribute('.lang-switch [data-lang="ko"]', "aria-pressed") == "true"
    names = program_names(page)
    bad = [t for root in (".topbar", ".pane-left", "#view-graph", ".pane-right") for t in untold(page, root, names)]
    assert not bad, report(bad)
    assert page.evaluate("window.studio.missingKeys()") == []
    # the graph's boxes: their shape and value lines too (the names and numbers are the program's)
    box = page.locator('#graph g[data-node="3"] text')
    assert box.nth(1).text_content() == "스칼라" and box.nth(2).text_content() == "값 3"
    switch_to(page, "en")
    assert box.nth(1).text_content() == "scalar" and box.nth(2).text_content() == "value 3"


def test_the_statement_boxes_are_told_in_korean_too(page):
    """Collapsed (one box per statement), the boxes' shape and value lines follow the language as
    the node boxes do, at once and at the next steps."""
    open_lecture(page, extra="&level=statements")
    page.wait_for_selector('#graph g.bp-group[data-group="3"]', state="attached")
    box = page.locator('#graph g.bp-group[data-group="3"] text')              # f = (x + y) * max(y, z)
    assert box.nth(1).text_content() == "scalar" and box.nth(2).text_content() == "value 6"
    switch_to(page, "ko")
    assert box.nth(1).text_content() == "스칼라" and box.nth(2).text_content() == "값 6"
    page.evaluate("window.studio.setStep(12)")
    assert box.nth(2).text_content() == "값 6"
    switch_to(page, "en")
    assert box.nth(1).text_content() == "scalar" and box.nth(2).text_content() == "value 6"


@pytest.mark.parametrize("view, ready", [
    ("train", '#view-train[data-trained="1"]'),
    ("tips", "#tips-layers .layer-row[data-layer]"),
])
def test_the_labs_in_korean(page, view, ready):
    open_studio(page, "#program=" + urllib.parse.quote(TWO_LAYER) + f"&step=0&view={view}")
    page.wait_for_selector(ready, state="attached", timeout=60000)
    switch_to(page, "ko")
    page.wait_for_timeout(300)
    bad = untold(page, f"#view-{view}", program_names(page))
    assert not bad, report(bad)
    assert page.evaluate("window.studio.missingKeys()") == []


def test_the_english_page_stays_english_and_comes_back_after_a_switch(page):
    open_lecture(page)
    def spot_checks():
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.inner_text("#btn-run").startswith("Run")
        assert page.inner_text(".order-card h2") == "Topological order"
        assert page.inner_text('.views [data-view="train"]') == "Train"
        assert page.inner_text("#btn-share").strip() == "Copy link"
        assert page.inner_text("#step-label").startswith(f"Step {BACKWARD_STEP} / 12 · backward · from v4 = max to its inputs")
        assert page.get_attribute("#step-first", "title") == "First: nothing computed (Home)"
        assert page.get_attribute("#btn-theme", "title").startswith("Dark theme: ")
    spot_checks()
    switch_to(page, "ko")
    assert page.inner_text(".order-card h2") == "Topological order"        # a term kept in English
    assert page.inner_text("#btn-share").strip() == "링크 복사"
    switch_to(page, "en")
    spot_checks()


def test_the_shared_link_carries_the_language_and_reopens_in_it(browser, page):
    open_lecture(page)
    switch_to(page, "ko")
    url = page.evaluate("() => { window.studio.writeHash(); return location.href; }")
    assert "lang=ko" in urllib.parse.urlsplit(url).fragment
    ctx = browser.new_context(locale="en-US")                  # an English reader opens it
    try:
        other = ctx.new_page()
        other.goto(url)
        other.wait_for_selector("body[data-ready=true]")
        assert other.evaluate("document.documentElement.lang") == "ko"
        assert other.inner_text("#btn-run").startswith("실행")
        assert other.evaluate("window.studio.state.view.step") == BACKWARD_STEP
        # the address changed by hand to English: the page follows
        other.evaluate("() => { location.hash = location.hash.replace('lang=ko', 'lang=en'); }")
        other.wait_for_function("() => document.documentElement.lang === 'en'")
        assert other.inner_text("#btn-run").startswith("Run")
    finally:
        ctx.close()


def test_a_korean_browser_gets_the_korean_page(browser, live_server):
    ctx = browser.new_context(locale="ko-KR", extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    try:
        pg = ctx.new_page()
        pg.goto(live_server + "/")
        pg.wait_for_selector("body[data-ready=true]")
        assert pg.evaluate("document.documentElement.lang") == "ko"
        assert pg.inner_text(".views [data-view=train]") == "학습"
    finally:
        ctx.close()


def test_a_glossary_link_opens_the_studio_where_the_term_shows(page):
    page.goto(page.base_url + "/glossary?lang=ko")
    row = next(r for r in entries("ko") if r["id"] == "upstream-gradient")
    page.click(f'#upstream-gradient a.term-link')
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert page.evaluate("window.studio.state.view.step") == int(urllib.parse.parse_qs(urllib.parse.urlsplit(row["href"]).fragment)["step"][0])
    assert page.evaluate("window.studio.state.doc.source") == LECTURE
    page.goto(page.base_url + "/glossary?lang=en")
    page.click("#gradient-check a.term-link")
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("#tab-gradcheck", "aria-selected") == "true"
    assert page.evaluate("document.documentElement.lang") == "en"
