"""The step's narration in the walkthrough exports: a line of the step's texts, read back from
the PDF page and the PPTX slide, wrapped into the GIF frame, and in the HTML player's data and
its live region."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from PIL import ImageFont

import drawing as R
from drawing import walkthrough as W
from drawing.player import player_data, player_html
from drawing.steptext import narration_line, step_lines
from engine import trace

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"


@pytest.fixture(scope="module")
def lecture() -> dict:
    return trace(LECTURE).to_dict()


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    """Each page's text in reading order (pdftotext -raw: a text column beside the graph is
    not interleaved with the graph's labels)."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed: scripts/setup.sh --test"
    (tmp_path / "w.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "w.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    return text.split("\f")[:-1]


def test_each_steps_texts_say_its_narration_after_the_title(lecture):
    assert narration_line(lecture, 0) is None and all(line.kind != "narration" for line in step_lines(lecture, 0))
    for k, step in enumerate(lecture["steps"], start=1):
        lines = step_lines(lecture, k)
        assert lines[1].kind == "narration" and lines[1].text == step["narration"]["en"]
        assert sum(line.kind == "narration" for line in lines) == 1
    assert narration_line(lecture, 11, "ko").text == lecture["steps"][10]["narration"]["ko"]


def test_the_pdf_page_and_the_pptx_slide_say_the_narration(lecture, tmp_path):
    from pptx import Presentation

    pages = pdf_pages(R.render_walkthrough(lecture, "pdf", 9, 11), tmp_path)
    for page, k in zip(pages, (9, 10, 11)):
        assert lecture["steps"][k - 1]["narration"]["en"] in flat(page)
    deck = Presentation(io.BytesIO(R.render_walkthrough(lecture, "pptx", 11, 11)))
    texts = {s.name: s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame}
    assert texts["What the panel says"].splitlines()[0] == lecture["steps"][10]["narration"]["en"]


def test_a_gif_frame_has_room_for_the_narration_wrapped_to_its_width(lecture):
    font = ImageFont.truetype(W.font_file(), 14)
    texts = [step_lines(lecture, k) for k in range(0, 13)]
    rows = W._told_rows(texts, font, None, 400)
    assert rows[0] == []                                    # step 0: nothing told
    for k in range(1, 13):
        said = lecture["steps"][k - 1]["narration"]["en"]
        assert all(font.getlength(r) <= 400 or " " not in r for r in rows[k])
        joined = " ".join(rows[k])
        assert joined == said or (joined.endswith(" …") and said.startswith(joined[:-2])
                                  and len(rows[k]) == W.FRAME_NARRATION_ROWS)
    told = W.frames(lecture, range(7, 8), "LR", W._Clock(600, 1))[0]
    untold = W.frames({**lecture, "steps": [{k: v for k, v in s.items() if k != "narration"}
                                            for s in lecture["steps"]]}, range(7, 8), "LR", W._Clock(600, 1))[0]
    assert told.height > untold.height


def test_the_player_carries_each_steps_narration_and_its_script_a_live_region(lecture):
    data = player_data(lecture)
    assert data["panels"][0]["narration"] is None
    assert [p["narration"] for p in data["panels"][1:]] == [s["narration"]["en"] for s in lecture["steps"]]
    html = player_html(lecture)
    assert lecture["steps"][10]["narration"]["en"] in html
    assert re.search(r'el\("p", \{ class: "bp-narration", "aria-live": "polite" \}\)', html)
