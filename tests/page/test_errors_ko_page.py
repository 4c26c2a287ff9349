"""The page in Korean, in Chromium: the server's error messages, the gradient check tab and
the gallery come in the page's language, and a switch of language re-tells them."""
from __future__ import annotations

import re

from tests.page.test_browser import LECTURE, run

HANGUL = re.compile(r"[\uac00-\ud7a3]")
SCREENSHOTS = "/tmp"        # looked at by hand


def open_korean(page) -> list[dict]:
    """The studio served in Korean; returns the list the page's API requests are logged into."""
    sent: list[dict] = []
    page.on("request", lambda r: sent.append({"url": r.url, "lang": r.headers.get("accept-language")})
            if "/api/" in r.url else None)
    page.goto(page.base_url + "/?lang=ko")
    page.wait_for_selector("body[data-ready=true]")
    return sent


def switch(page, lang: str) -> None:
    page.evaluate("(l) => import('/static/studio/i18n.js').then((m) => m.setLang(l))", lang)


def test_a_bad_program_is_explained_in_korean_at_its_place(page):
    sent = open_korean(page)
    run(page, "W = xavier(3, 4)\nx = [1.0, 2.0, 3.0]\ny = W @ x")
    error = page.locator("#error")
    error.wait_for()
    text = error.inner_text()
    assert "W의 마지막 차원(4)이 x의 첫 차원(3)과 같아야 합니다" in text and "xavier(4, 3)" in text
    assert "3" in text and "5" in text           # line 3, col 5 (the box's own words are the page's)
    assert sent and all(s["lang"] == "ko" for s in sent), sent
    error.screenshot(path=f"{SCREENSHOTS}/ko_error.png")


def test_the_gradient_check_tab_in_korean_and_back(page):
    open_korean(page)
    run(page, "x = 0.0\nf = relu(x) + x\n")
    page.click("#tab-gradcheck")
    page.click("#btn-gradcheck")
    summary = page.locator("#gc-summary")
    summary.wait_for()
    assert summary.inner_text().startswith("실패 · leaf 1개 · h = 0.0001")
    assert "kink에서 h 이내인 항목이 1개 있습니다" in summary.inner_text()
    heads = page.locator(".gc-table th").all_inner_texts()
    assert heads[:4] == ["항목", "Backprop 값", "two-side 차분", "상대 오차"]
    note = page.locator('tr[data-leaf-note="x"]').inner_text()
    assert note.startswith("⚠ kink: θ ± h가 2행의 relu의 kink에 걸칩니다")
    assert page.locator('tr.leafrow .badge').inner_text() == "실패"
    page.locator("#panel-gradcheck").screenshot(path=f"{SCREENSHOTS}/ko_gradcheck.png")
    page.fill("#gradcheck-h", "-1")
    page.click("#btn-gradcheck")
    assert page.inner_text("#gradcheck-result") == "h는 양수여야 합니다. 예: 1e-4."
    page.fill("#gradcheck-h", "1e-4")
    page.click("#btn-gradcheck")
    summary.wait_for()
    switch(page, "en")                    # re-told without a new check
    page.wait_for_function("document.querySelector('#gc-summary').innerText.startsWith('Failed')")
    assert "1 entry within h of a kink" in summary.inner_text()
    assert page.locator('tr[data-leaf-note="x"]').inner_text().startswith("⚠ kink: θ ± h straddles the kink of relu on line 2")
    assert not HANGUL.search(page.inner_text("#gradcheck-result"))


def test_the_lectures_check_passes_in_korean(page):
    open_korean(page)
    run(page, LECTURE)
    page.click("#tab-gradcheck")
    page.click("#btn-gradcheck")
    page.locator("#gc-summary").wait_for()
    assert page.inner_text("#gc-summary").startswith("통과 · leaf 3개")
    assert page.locator('tr[data-leaf-entry="y"] td').nth(4).inner_text() == "✓"


def test_the_gallery_in_korean_and_back(page):
    open_korean(page)
    page.click("#btn-examples")
    title = page.locator('[data-example="lecture"] .ex-title')
    assert title.inner_text() == "강의의 예제"
    assert page.locator('[data-example="used-twice"] .ex-desc').inner_text().startswith("x는 edge 세 개로")
    page.locator("#examples-dialog").screenshot(path=f"{SCREENSHOTS}/ko_gallery.png")
    switch(page, "en")
    page.wait_for_function("document.querySelector('[data-example=lecture] .ex-title').innerText === \"The lecture's example\"")
    assert page.locator('[data-example="used-twice"] .ex-title').inner_text() == "A value used three times: gradients add"
    runs = int(page.get_attribute("body", "data-runs"))
    page.click('[data-example="used-twice"]')
    page.wait_for_selector(f'body[data-runs="{runs + 1}"]', state="attached")
    assert page.locator("#examples-dialog").is_hidden()
