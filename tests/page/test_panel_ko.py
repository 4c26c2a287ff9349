"""The node panel in Korean, as a Korean student reads it at a backward step of the lecture's
example (f = (x + y) · max(y, z)): the headings, the rule labels, the rules' words, the
intuition and the sum rule in Korean with the notes' terms kept in English; and the panel
told again in English after a switch of language."""
from __future__ import annotations

from tests.page.test_browser import load_example
from tests.page.test_panel import show_node_at_end


def open_korean(page) -> None:
    page.goto(page.base_url + "/?lang=ko")
    page.wait_for_selector("body[data-ready=true]")
    load_example(page, "lecture")


def test_the_panel_at_a_backward_step_speaks_korean(page):
    open_korean(page)
    show_node_at_end(page, 4)                       # v4 = max(y, z): routes to y
    panel = page.locator("#panel-node")
    assert panel.locator("h3").all_inner_texts()[-1].lower() == "각 입력으로: downstream = local × upstream"
    assert "max는 길을 정해 줍니다(route)" in panel.locator('[data-field="intuition"]').inner_text()
    card = panel.locator('.edge-card[data-input="1"]')
    local = card.locator('.rule[data-rule="local"]')
    assert local.get_attribute("data-label") == "local 규칙: "
    assert local.get_attribute("title") == "∂v4/∂y = y > z인 곳(이긴 곳)은 1, 그 밖에는 0"
    down = card.locator('.rule[data-rule="downstream"]')
    assert down.get_attribute("data-label") == "downstream 규칙: "
    assert down.get_attribute("title") == "∂f/∂y = δ · 1[y > z]"
    assert "(입력 1, 스칼라)" in card.locator(".ec-head").inner_text()
    assert "2번째 입력에서" in panel.inner_text()      # from f = v3 × v4, its 2nd input


def test_the_sum_rule_in_korean_and_the_panel_told_again_in_english(page):
    open_korean(page)
    show_node_at_end(page, 1)                       # y feeds v3 and v4
    panel = page.locator("#panel-node")
    assert "y = 2.0 — leaf: 입력 또는 parameter이며 gradient를 받습니다" in panel.inner_text()
    assert panel.locator(".sumrule").inner_text() == (
        "y는 node 2개(v4, v3)에 들어갑니다. 그래서 gradient는 그 기여들의 합입니다: upstream = Σ downstream")
    page.evaluate("""async () => {
        const i18n = await import('/static/studio/i18n.js');
        await i18n.setLang('en');             // its listeners tell the step shown again
    }""")
    assert panel.locator(".sumrule").inner_text() == (
        "y feeds 2 nodes (v4, v3); its gradient is the sum of their contributions: upstream = Σ downstream")
    text = panel.inner_text()
    assert "y = 2.0 — a leaf: an input or parameter, it gets a gradient" in text and "from v4 = max" in text
