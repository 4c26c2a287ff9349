"""The Tips view in Korean, in a real browser: after a switch of language the layer view (the
four initializations side by side, the zeros column's symmetry), the activation explorer (its
labels, the saturated and dead rules, the kink) and the vectorization card are told in Korean
with the notes' terms kept in English, no tips key is missing, and back in English the texts
are the English ones again. Screenshots in /tmp (ko_tips_*.png)."""
from __future__ import annotations

import re

from tests.page.test_browser import load_example, open_studio, run

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Latin words a Korean text of the tips lab may keep: the notes' terms, op and init names,
# the program's own names, units.
KEPT = set("""gradient gradients norm layer unit activation Backpropagation vanishing exploding parameter
constructor input output trace scale entry node step engine matrix vector loop scalar tensor Graph view
Vectorization nonlinearity shape unroll sum mean indexing transpose elementwise slope dead kink local
naive Xavier He zeros Glorot kaiming randn tanh sigmoid relu leaky_relu hardtanh softplus elu gelu silu
Var W x h s z n in out ms bit nan inf graph weight Backprop Studio""".split())
SHOTS = "/tmp"


def visible_words(page, selector: str) -> list[str]:
    """The Latin words of the visible text under `selector`, KaTeX, code and the SVG's numbers left out."""
    return page.evaluate("""(sel) => {
        const root = document.querySelector(sel);
        const out = [];
        const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const p = n.parentElement;
            if (!p || p.closest('.katex, code, select, svg') || !p.offsetParent) continue;
            out.push(...(n.textContent.match(/[A-Za-z_]+/g) || []));
        }
        return out;
    }""", selector)


def english_left(page, selector: str) -> list[str]:
    return sorted({w for w in visible_words(page, selector) if w not in KEPT and not re.fullmatch(r"[A-Za-z]\d*|[hWbxz]\w*", w)})


def set_lang(page, lang: str) -> None:
    page.evaluate("(l) => import('/static/studio/i18n.js').then(m => m.setLang(l))", lang)
    page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang)


def tips_keys_missing(page) -> list[str]:
    return page.evaluate("""() => import('/static/studio/i18n.js').then(m => m.missingKeys()
        .filter(k => /^(tips|stats|init|act|vec|unroll)\\./.test(k)))""")


def test_the_tips_view_in_korean_after_a_switch_and_back(wide):
    page = wide
    open_studio(page)
    load_example(page, "deep-tanh")
    page.click('[data-view="tips"]')
    page.click('[data-tip="layers"]')
    page.wait_for_selector('#tips-layers .layer-row[data-layer]')
    english_intro = page.inner_text("#tips-layers .layer-intro")
    assert english_intro.startswith("One row per layer")
    set_lang(page, "ko")

    # The layer view, re-told, then the four initializations side by side.
    page.wait_for_function("() => /[\\uac00-\\ud7a3]/.test(document.querySelector('#tips-layers .layer-intro').textContent)")
    assert page.inner_text("#tips-layers .layer-intro").startswith("layer 하나에 한 줄씩")
    assert page.inner_text("#tips-program") == "마지막으로 실행한 프로그램 기준"
    assert page.inner_text('#tips-layers [data-init="compare"]') == "네 가지 나란히"
    page.click('#tips-layers [data-init="compare"]')
    page.wait_for_selector('#tips-layers .init-cell[data-init="zeros"] .layer-row')
    callout = page.inner_text('#tips-layers [data-field="symmetry"]')
    assert "대칭: " in callout and "모든 unit이 같은 gradient를 받습니다" in callout
    assert page.inner_text('#tips-layers .init-head[data-init="he"] [data-field="open-graph"]') == "Graph에서 열기"
    assert "포화" in " ".join(page.locator('#tips-layers .init-cell[data-init="naive"]').all_inner_texts())
    assert page.locator('#tips-layers .init-cell[data-init="naive"] svg.hist').first.get_attribute("aria-label").endswith("의 히스토그램")
    assert english_left(page, "#tips-layers") == []
    page.screenshot(path=f"{SHOTS}/ko_tips_layers.png", full_page=True)

    # The activation explorer: relu (dead, a kink), then sigmoid (its rule's "or" told).
    page.click('[data-tip="activations"]')
    page.click('#tips-activations [data-act="relu"]')
    page.wait_for_selector('#tips-activations .act-explorer[data-act="relu"]')
    info = page.inner_text("#tips-activations .act-info")
    assert "함수" in info and "도함수" in info
    assert "음영: 비활성(dead)" in info and "gradient가 전혀 지나가지 않습니다" in info
    assert "kink(x = 0)에서: relu′(0) = 0" in info
    assert "▮ 비활성(dead)" in page.inner_text("#tips-activations .act-legend")
    page.click('#tips-activations [data-act="sigmoid"]')
    page.wait_for_selector('#tips-activations .act-explorer[data-act="sigmoid"]')
    assert "σ < 0.03 또는 σ > 0.97" in page.inner_text('#tips-activations [data-field="saturated-rule"]')
    page.click('#tips-activations [data-act="tanh"]')
    page.wait_for_selector('#tips-activations [data-field="marked"]')
    marked = page.inner_text('#tips-activations [data-field="marked"]')
    assert "입력값" in marked and "두 곡선 모두에 표시했습니다" in marked and "포화" in marked
    assert english_left(page, "#tips-activations") == []
    page.screenshot(path=f"{SHOTS}/ko_tips_explorer.png", full_page=True)

    # The vectorization card of a small program.
    run(page, "W = randn(3, 2, seed=1)\nx = randn(2, seed=2)\ns = sum(tanh(W @ x))")
    page.click('.views [data-view="tips"]')
    page.click('[data-tip="vectorize"]')
    page.wait_for_selector("#tips-vectorize .vec-table")
    card = page.inner_text("#tips-vectorize")
    assert "Vectorization: loop 대신 matrix 연산" in card and "node 수" in card and "작성한 그대로" in card
    assert "펼치면 같은 프로그램의 node가" in page.inner_text("#tips-vectorize .vec-ratio")
    assert page.inner_text("#vec-open-unrolled") == "펼친 graph를 step별로 보기"
    assert english_left(page, "#tips-vectorize") == []
    assert tips_keys_missing(page) == []
    page.screenshot(path=f"{SHOTS}/ko_tips_vectorize.png", full_page=True)

    # Back in English, the card and the view are the English ones again.
    set_lang(page, "en")
    page.wait_for_function("() => document.querySelector('#vec-open-unrolled').textContent === 'Step through the unrolled graph'")
    assert page.inner_text("#tips-vectorize .vec-ratio").startswith("Unrolled, the same program has ")
    assert page.inner_text("#tips-program") == "on the program last run"
    assert not HANGUL.search(page.inner_text("#tips-vectorize"))


def test_a_page_served_in_korean_tells_the_tips_view_and_a_nodes_statistics_in_korean(page):
    page.goto(page.base_url + "/?lang=ko")
    page.wait_for_selector("body[data-ready=true]")
    load_example(page, "two-layer")
    # the node panel's statistics block (stats.js) of h = tanh(W1 @ x + b1)
    page.evaluate("(k) => window.studio.setStep(k)", 10 ** 6)
    page.locator('#order li[data-node="7"] button').click()
    page.wait_for_selector('#panel-node [data-field="stats"]')
    heads = page.locator('#panel-node [data-field="stats"] th').evaluate_all("ths => ths.map(th => th.textContent)")
    assert "값" in heads and "gradient" in heads and "평균" in heads and "표준편차" in heads
    assert "포화 (|tanh| > 0.97)" in page.inner_text('#panel-node [data-field="statistics"] [data-field="saturated"]')
    page.locator('#order li[data-node="1"] button').click()
    page.wait_for_selector('#panel-node [data-field="init"]')
    line = page.inner_text('#panel-node [data-field="init"]')
    assert line.startswith("xavier: 분산 2 / (n_in + n_out) = ") and "측정한 분산은" in line
    page.click('[data-view="tips"]')
    page.click('[data-tip="layers"]')
    page.wait_for_selector('#tips-layers .layer-row[data-layer]')
    labels = page.locator("#tips-layers .layer-labels > span").evaluate_all("spans => spans.map(s => s.textContent)")
    assert labels[:3] == ["layer", "activation · gradient (히스토그램)", "유닛"]
    assert HANGUL.search(page.inner_text("#tips-layers [data-field='try-deep']"))
    assert tips_keys_missing(page) == []
