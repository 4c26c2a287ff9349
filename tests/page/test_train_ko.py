"""The Train view in Korean, in a real browser: switched after training, every part is told
again from what the page keeps (no new training), and back in English as it was; opened in
Korean, the server's sentences (the slice's, the map's classes) come in Korean too."""
from __future__ import annotations

import json
import re
import urllib.parse

from tests.page.test_browser import open_studio
from tests.page.test_train_view import example_source, open_train, wait_inspected

HANGUL = re.compile(r"[\uac00-\ud7a3]")
SET_LANG = "l => import('/static/studio/i18n.js').then(m => m.setLang(l))"
MISSING = "() => import('/static/studio/i18n.js').then(m => m.missingKeys())"


def texts(page, selector: str) -> list[str]:
    return [s.strip() for s in page.locator(selector).all_inner_texts()]


def draw_map(page) -> None:
    page.click("#train-map-run")
    page.wait_for_selector("#train-map[data-cells]", state="attached", timeout=120000)


def test_switching_to_korean_tells_the_whole_view_again_and_back(page, live_server):
    open_train(page)
    wait_inspected(page, 0)
    draw_map(page)
    page.wait_for_selector("#train-slice-plot svg", state="attached", timeout=60000)
    english = {"headings": texts(page, "#view-train h2"), "legend": texts(page, "#train-map-legend"),
               "held": page.inner_text("#train-slice-held"), "rows": texts(page, '.tr-col[data-run="0"] td.tr-name')}
    assert english["headings"][0] == "Training runs" and "99%" in english["legend"][0]
    trained = page.get_attribute("#view-train", "data-trained")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)

    assert page.evaluate(SET_LANG, "ko") is True
    headings = texts(page, "#view-train h2")
    assert len(headings) == len(english["headings"]) == 6
    assert all(HANGUL.search(h) for h in headings), headings
    assert headings[0] == "학습 run"
    # the map's legend: the classes and the server's definitions, in Korean
    assert texts(page, "#train-map-legend dt") == ["수렴", "느림", "진동", "발산"]
    definitions = texts(page, "#train-map-legend dd")
    assert all(HANGUL.search(d) for d in definitions) and "99%" in definitions[0]
    assert page.locator("#train-map .tr-cell").count() == 9 * 4          # the map kept, not asked again
    assert HANGUL.search(page.get_attribute("#train-map .tr-cell", "title"))
    # the update panel: its rows and its head
    rows = texts(page, '.tr-col[data-run="0"] td.tr-name')
    assert rows[:2] == ["값", "gradient (기울기)"] and rows[-2:] == ["실효 step 크기", "update (변화량)"]
    assert "momentum 버퍼" in rows
    assert "iteration 0 시점" in page.inner_text('.tr-col[data-run="0"] .tr-col-head')
    # the curves, the slider, the slice's sentence (the server's, told from its message), the vectors
    assert page.inner_text("#train-iter-label") == "iteration 0 (전체 100)"
    assert page.inner_text("#train-open") == "graph에서 iteration 0 열기"
    assert "iteration (반복)" in page.inner_text("#train-loss .u-legend")
    held = page.inner_text("#train-slice-held")
    assert "실제 loss surface" in held and held.endswith("■는 시작점입니다.")
    assert page.locator("#train-slice-plot .tr-contour").count() > 3
    assert HANGUL.search(page.inner_text(".train-vectors .tr-caption"))
    assert page.get_attribute("#view-train", "data-trained") == trained and not requests
    assert page.evaluate(MISSING) == []

    # the settings kept through the switch: an edited field, then a run in Korean
    assert page.input_value('#train-runs [data-run="0"] [data-hyper="lr"]') == "0.002"
    assert HANGUL.search(page.get_attribute('#train-runs [data-run="0"] [data-hyper="dampening"]', "title"))

    assert page.evaluate(SET_LANG, "en") is True
    assert texts(page, "#view-train h2") == english["headings"]
    assert texts(page, "#train-map-legend") == english["legend"]
    assert page.inner_text("#train-slice-held") == english["held"]
    assert texts(page, '.tr-col[data-run="0"] td.tr-name') == english["rows"]


def test_a_page_opened_in_korean_trains_and_reports_in_korean(page, live_server):
    valley = example_source(live_server, "valley")
    lab = {"runs": [{"optimizer": "sgd", "hyper": {"lr": "0.01"}}, {"optimizer": "adam", "hyper": {"lr": "0.05"}}], "steps": 100}
    open_studio(page, "?lang=ko#program=" + urllib.parse.quote(valley) + "&view=train&train=" + urllib.parse.quote(json.dumps(lab)))
    page.wait_for_selector('#view-train[data-trained="1"]', state="attached", timeout=60000)
    assert page.inner_text("#view-train h2") == "학습 run"
    assert page.inner_text("#train-run") == "모두 실행"
    assert texts(page, "#train-schedule option")[:2] == ["constant (고정)", "step (계단)"]
    # the diverged run is noted in Korean, on the list and under the slice
    note = page.inner_text('#train-notes [data-run="0"]')
    assert note.startswith("SGD lr 0.01: iteration ") and "발산했습니다" in note
    page.wait_for_selector('#train-slice-plot[data-paths="2"]', state="attached", timeout=60000)
    held = page.inner_text("#train-slice-held")
    assert "실제 loss surface" in held and "SGD lr 0.01: 발산해서 경로가 그림 밖으로 벗어납니다." in held
    draw_map(page)
    assert texts(page, "#train-map-legend dt") == ["수렴", "느림", "진동", "발산"]
    assert all(HANGUL.search(d) for d in texts(page, "#train-map-legend dd"))
    assert page.evaluate(MISSING) == []
