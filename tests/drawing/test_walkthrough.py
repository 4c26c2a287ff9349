"""Walkthrough exports opened and read back: pages, slides and frames counted, the numbers of
a chosen step found in its page's text, the lecture's gradients on the last pages."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import pytest
from PIL import Image

import drawing as R
from drawing import walkthrough as W
from drawing.steptext import step_lines
from drawing.cli import main as cli_main
from engine import trace

LECTURE = "x = 1.0; y = 2.0; z = 0.0\nf = (x + y) * max(y, z)"   # 12 steps


@pytest.fixture(scope="module")
def lecture() -> dict:
    return trace(LECTURE).to_dict()


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    """Each page's text, as poppler's pdftotext reads it."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed: scripts/setup.sh --test"
    (tmp_path / "w.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "w.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    return text.split("\f")[:-1]            # pdftotext ends every page with a form feed


def test_pdf_has_a_page_per_step_and_one_for_nothing_computed(lecture, tmp_path):
    pages = pdf_pages(R.render_walkthrough(lecture, "pdf"), tmp_path)
    assert len(pages) == len(lecture["steps"]) + 1 == 13
    assert "Step 0 of 12" in pages[0] and "nothing computed" in pages[0]
    assert "value 6" not in pages[0] and "value —" in pages[0]       # the graph, nothing computed
    # Step 9: backward at v3 = x + y, upstream 2 (the lecture: ∂f/∂(x+y) = max(y, z) = 2).
    page = pages[9]
    assert "Step 9 of 12" in page and "backward at v3 = x + y" in page
    assert "upstream ∂f/∂v3 = 2" in page
    assert page.count("downstream = local × upstream: 2 = 1 × 2") == 2
    assert "+ distributes" in page
    # The last pages: the lecture's gradients, ∂f/∂x = 2, ∂f/∂y = 3 + 2 = 5, ∂f/∂z = 0.
    joined = "".join(pages[10:])
    for name, grad in (("x", 2), ("y", 5), ("z", 0)):
        assert f"upstream ∂f/∂{name} = {grad}" in joined


@pytest.mark.slow
def test_pdf_range_counts_its_steps(lecture, tmp_path):
    pages = pdf_pages(R.render_walkthrough(lecture, "pdf", 3, 7), tmp_path)
    assert len(pages) == 5
    assert "Step 3 of 12" in pages[0] and "Step 7 of 12" in pages[-1]


@pytest.mark.slow
def test_pdf_page_shows_the_gradient_in_red(lecture, tmp_path):
    """Page 12 (step 11, backward at y): the drawing's gradient lines are red, as on the page."""
    (tmp_path / "w.pdf").write_bytes(R.render_walkthrough(lecture, "pdf", 11, 11))
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(tmp_path / "w.pdf"),
                    str(tmp_path / "p")], check=True)
    img = Image.open(tmp_path / "p.png").convert("RGB")
    red = sum(1 for p in img.get_flattened_data() if abs(p[0] - 0xe1) + abs(p[1] - 0x1d) + abs(p[2] - 0x48) < 60)
    orange = sum(1 for p in img.get_flattened_data() if abs(p[0] - 0xea) + abs(p[1] - 0x58) + abs(p[2] - 0x0c) < 60)
    assert red > 200 and orange > 50            # gradient texts; the current node's outline


def test_every_scalar_edge_says_downstream_is_local_times_upstream():
    """For every backward step of a scalar program, the numbers on the line are the
    document's, and local × upstream is downstream (checked here, not taken from the text)."""
    doc = trace("a = 1.5; b = -2.0\nc = a * b + sin(a)\nd = exp(c) / (1.0 + b * b)").to_dict()
    for k, step in enumerate(doc["steps"], start=1):
        if step["phase"] != "backward":
            continue
        texts = [line.text for line in step_lines(doc, k)]
        for e in step["edges"]:
            if e["skipped"]:
                continue
            assert e["downstream"] == pytest.approx(e["local"] * step["upstream"])
            want = (f"downstream = local × upstream: {R.display.fmt_number(e['downstream'])} = "
                    f"{R.display.fmt_number(e['local'])} × {R.display.fmt_number(step['upstream'])}")
            assert want in texts, (k, texts)


@pytest.mark.slow
def test_pptx_has_a_slide_per_step_with_editable_texts(lecture):
    from pptx import Presentation

    deck = Presentation(io.BytesIO(R.render_walkthrough(lecture, "pptx", 0, None)))
    slides = list(deck.slides)
    assert len(slides) == 13
    slide = slides[9]
    texts = {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame}
    assert texts["Step title"].startswith("Step 9 of 12 · backward at v3")
    assert "downstream = local × upstream: 2 = 1 × 2" in texts["What the panel says"]
    pictures = [s for s in slide.shapes if s.shape_type == 13]        # MSO_SHAPE_TYPE.PICTURE
    assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"


def test_gif_has_a_frame_per_step_at_the_chosen_frame_time(lecture):
    img = Image.open(io.BytesIO(R.render_walkthrough(lecture, "gif", 2, 8, frame_ms=700)))
    assert img.n_frames == 7
    durations = []
    for i in range(img.n_frames):
        img.seek(i)
        durations.append(img.info["duration"])
    assert durations == [700] * 7


@pytest.mark.slow
def test_mp4_has_a_frame_per_step(lecture, tmp_path):
    assert shutil.which("ffprobe"), "ffmpeg (ffprobe) is needed: scripts/setup.sh --test"
    (tmp_path / "w.mp4").write_bytes(R.render_walkthrough(lecture, "mp4", frame_ms=500))
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames,codec_name,duration", "-of", "json", str(tmp_path / "w.mp4")],
        capture_output=True, check=True).stdout)["streams"][0]
    assert int(probe["nb_read_frames"]) == 13
    assert probe["codec_name"] == "h264"
    assert float(probe["duration"]) == pytest.approx(13 * 0.5, abs=0.05)


def test_mp4_without_ffmpeg_says_what_to_install(lecture, monkeypatch, tmp_path):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **kw: None if name == "ffmpeg" else real_which(name, *a, **kw))
    with pytest.raises(R.RenderError, match=r"apt-get install ffmpeg.*GIF"):
        R.render_walkthrough(lecture, "mp4")


def player_data(html: bytes) -> dict:
    m = re.search(rb'<script type="application/json" id="bp-data">(.*?)</script>', html, re.S)
    assert m, html[:300]
    return json.loads(m.group(1))


def test_html_is_the_player_for_the_range(lecture):
    html = R.render_walkthrough(lecture, "html", 2, 9)
    assert html.startswith(b"<!doctype html>") and b"default-src 'none'" in html
    data = player_data(html)
    assert (data["first"], data["last"], data["total"]) == (2, 9, 12)
    assert not re.search(rb'(src|href)="(https?:)?//', html)             # nothing to fetch


@pytest.mark.parametrize("first,last,message", [
    (5, 2, "'from' must not be after 'to'"),
    (0, 13, "between 0 and 12"),
    (-1, None, "between 0 and 12"),
])
def test_bad_ranges_are_refused_with_their_bounds(lecture, first, last, message):
    with pytest.raises(R.StepOutOfRange, match=message):
        R.render_walkthrough(lecture, "pdf", first, last)


def test_page_limit_and_frame_time_limits(lecture, monkeypatch):
    monkeypatch.setattr(W, "MAX_WALKTHROUGH_PAGES", 5)
    with pytest.raises(R.StepOutOfRange, match="would make 13 pages; a walkthrough has at most 5"):
        R.render_walkthrough(lecture, "gif")
    assert Image.open(io.BytesIO(R.render_walkthrough(lecture, "gif", 4, 8))).n_frames == 5
    for ms in (R.MIN_FRAME_MS - 1, R.MAX_FRAME_MS + 1):
        with pytest.raises(R.StepOutOfRange, match="frame time must be between"):
            R.render_walkthrough(lecture, "gif", frame_ms=ms)


def test_time_limit_stops_with_a_message(lecture):
    with pytest.raises(R.RenderError, match="would take longer than 0 s.*shorter range"):
        R.render_walkthrough(lecture, "pdf", time_limit=0)


def test_graph_too_large_is_refused_before_any_page():
    doc = trace("x = 1.0\n" + "\n".join(f"x = x + {i}.0" for i in range(R.MAX_RENDER_NODES))).to_dict()
    with pytest.raises(R.GraphTooLarge):
        R.render_walkthrough(doc, "pdf", 0, 3)


@pytest.mark.slow
def test_cli_writes_each_format_from_its_extension(tmp_path, capsys):
    prog = tmp_path / "p.bp"
    prog.write_text(LECTURE, encoding="utf-8")
    assert cli_main(["walkthrough", str(prog), "-o", str(tmp_path / "w.gif"), "--from", "1", "--to", "4",
                     "--frame-ms", "300"]) == 0
    assert Image.open(tmp_path / "w.gif").n_frames == 4
    assert cli_main(["walkthrough", str(prog), "-o", str(tmp_path / "w.pdf")]) == 0
    assert len(pdf_pages((tmp_path / "w.pdf").read_bytes(), tmp_path)) == 13
    assert cli_main(["walkthrough", str(prog), "-o", str(tmp_path / "w.html"), "--to", "5"]) == 0
    assert player_data((tmp_path / "w.html").read_bytes())["last"] == 5
    assert cli_main(["walkthrough", str(prog), "-o", str(tmp_path / "w.txt")]) == 2
    assert "end it in .pdf, .pptx, .gif, .mp4, .html" in capsys.readouterr().err
    assert cli_main(["walkthrough", str(prog), "-o", str(tmp_path / "x.pdf"), "--from", "9", "--to", "2"]) == 1
    assert "'from' must not be after 'to'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
