"""Exports in Korean: the walkthrough's words from the Korean catalogue, and every Hangul
character drawn with a font that has its glyph (no missing-glyph boxes) in the drawing (PNG),
the PDF (read back with poppler), the PPTX (an East-Asian typeface on every run) and the
GIF frames; a node named in Korean sized for its wide glyphs."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import warnings

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

import drawing as R
from drawing import walkthrough as W
from drawing.cli import main as cli_main
from drawing.dot import dot_source, node_size
from drawing.fonts import font_file, is_wide, korean_font_file, runs
from drawing.player import player_data
from drawing.runner import run_graphviz
from drawing.steptext import step_lines
from drawing.style import FONT, text_ems
from engine import i18n, trace

KOREAN = "가중치 = 2.0\n입력값 = 3.0\n출력 = 가중치 * 입력값"       # 6 steps, nodes named in Hangul
TOFU = "\U000F0000"                                                # no font has it: the missing-glyph box
NO_LIMIT = float("inf")         # what is tested here is the text, not the time (the suite runs under load)


@pytest.fixture(scope="module")
def korean() -> dict:
    return trace(KOREAN).to_dict()


def hangul(text: str) -> set[str]:
    return {ch for ch in text if is_wide(ch)}


def has_glyph(font_path: str, ch: str) -> bool:
    """Whether the font draws ``ch`` as itself, not as its missing-glyph (.notdef) box."""
    font = ImageFont.truetype(font_path, 40)
    mask, notdef = font.getmask(ch), font.getmask(TOFU)
    return not (mask.size == notdef.size and bytes(mask) == bytes(notdef))


def pdf_text(data: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed: scripts/setup.sh --test"
    (tmp_path / "w.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / "w.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()


def pdf_fonts(data: bytes, tmp_path) -> str:
    (tmp_path / "f.pdf").write_bytes(data)
    return subprocess.run(["pdffonts", str(tmp_path / "f.pdf")], capture_output=True, check=True).stdout.decode()


# ---------------------------------------------------------------- the fonts

def test_every_hangul_character_of_the_korean_texts_has_a_glyph_in_the_korean_font(korean):
    ko = i18n.catalogue("ko")
    texts = [v for k, v in ko.items() if k.startswith(("export.", "player."))]
    texts += [line.text for k in range(len(korean["steps"]) + 1) for line in step_lines(korean, k, "ko")]
    chars = set().union(*(hangul(t) for t in texts))
    assert len(chars) > 40                                         # the texts are in Korean
    path = korean_font_file()
    missing = sorted(ch for ch in chars if not has_glyph(path, ch))
    assert not missing, missing
    # ... and DejaVu Sans, the Latin font, would have drawn them as boxes: the check can fail.
    assert not any(has_glyph(font_file(), ch) for ch in "가중치")


def test_fontconfig_has_a_korean_font_for_graphviz():
    """Graphviz finds its fonts through fontconfig: for Hangul, which the drawing's font
    lacks, fontconfig gives NanumGothic (fonts-nanum)."""
    assert shutil.which("fc-match")
    for pattern in (f"{FONT}:charset=ac00 d7a3", "sans-serif:lang=ko"):
        family = subprocess.run(["fc-match", "-f", "%{family}", pattern], capture_output=True,
                                check=True).stdout.decode()
        assert "NanumGothic" in family, (pattern, family)


def test_a_hangul_glyph_takes_a_full_em_so_a_korean_node_is_wider():
    assert text_ems("가중치") == 3.0 and text_ems("abc") == pytest.approx(3 * 0.62)
    assert text_ems("x = 가") == pytest.approx(4 * 0.62 + 1.0)
    wide = {"header": "가중치입력값출력합계곱셈", "shape": "scalar", "value": "value 2", "grad": "grad 3"}
    narrow = {**wide, "header": "abcdefghijk"}
    assert float(node_size(wide)[0]) > float(node_size(narrow)[0]) + 0.5
    assert runs("a가b") == [("a", False), ("가", True), ("b", False)]


def test_the_drawing_of_a_korean_node_has_its_glyphs(korean):
    """The PNG (dot -Tpng, cairo and fontconfig) draws the Hangul names: it differs from the
    same drawing with the names replaced by missing-glyph characters, and only where the
    names are."""
    dot = dot_source(korean, R.display_model(korean), len(korean["steps"]), None, True)
    assert "가중치" in dot
    drawn = Image.open(io.BytesIO(run_graphviz("dot", ["-Tpng"], dot))).convert("L")
    boxes = Image.open(io.BytesIO(run_graphviz("dot", ["-Tpng"], dot.replace("가중치", TOFU * 3)))).convert("L")
    assert drawn.size == boxes.size
    diff = ImageChops.difference(drawn, boxes).getbbox()
    assert diff is not None, "the Hangul name was drawn as missing-glyph boxes"
    # the difference is the name's place in the first node (a line of text, not the picture)
    assert diff[3] - diff[1] < 30 and diff[2] - diff[0] < drawn.width / 2


def test_the_single_pdf_export_embeds_the_korean_font(korean, tmp_path):
    data = R.render(korean, "pdf")
    assert "가중치" in pdf_text(data, tmp_path) and "입력값" in pdf_text(data, tmp_path)
    assert "NanumGothic" in pdf_fonts(data, tmp_path)


# ---------------------------------------------------------------- the walkthrough's words

def test_step_texts_in_korean_and_english_unchanged(korean):
    ko = step_lines(korean, 5, "ko")
    en = step_lines(korean, 5)
    assert ko[0].text == "6단계 중 5단계 · backward: 입력값"
    assert en[0].text == "Step 5 of 6 · backward at 입력값"
    assert "upstream gradient ∂출력/∂입력값 = 2" in [line.text for line in ko]
    assert ko[-1].text == "입력값에는 입력이 없으므로 gradient가 완성되었습니다."
    assert step_lines(korean, 0, "ko")[0].text == "6단계 중 0단계 · 아직 아무것도 계산하지 않았습니다"


def test_pdf_in_korean_embeds_the_korean_font_and_reads_back(korean, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # fpdf2 warns of a glyph its fonts lack
        data = R.render_walkthrough(korean, "pdf", lang="ko", time_limit=NO_LIMIT)
    text = pdf_text(data, tmp_path)
    for words in ("6단계 중 0단계", "Forward Propagation이 출력까지", "6단계 중 1단계 · forward: 가중치, leaf",
                  "값 가중치 = 2", "upstream gradient ∂출력/∂입력값 = 2", "가중치(으)로 (1번째 입력)"):
        assert words in text, words
    assert text.count("가중치") > 7                 # the graph's node on every page, drawn as text
    fonts = pdf_fonts(data, tmp_path)
    assert re.search(r"NanumGothic\s+CID TrueType\s+Identity-H\s+yes yes", fonts), fonts


def test_an_english_walkthrough_of_latin_names_loads_no_korean_font(tmp_path):
    data = R.render_walkthrough(trace("x = 2.0\ny = x * 3").to_dict(), "pdf", 0, 1, time_limit=NO_LIMIT)
    assert "Nanum" not in pdf_fonts(data, tmp_path)


def test_pptx_runs_carry_korean_and_an_east_asian_typeface(korean):
    from pptx import Presentation
    from pptx.oxml.ns import qn

    deck = Presentation(io.BytesIO(R.render_walkthrough(korean, "pptx", 4, 6, lang="ko", time_limit=NO_LIMIT)))
    runs_ = [r for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for r in p.runs]
    texts = [r.text for r in runs_]
    assert "6단계 중 5단계 · backward: 입력값" in texts
    assert any("gradient가 완성되었습니다" in t for t in texts)
    for r in runs_:
        rpr = r._r.find(qn("a:rPr"))
        assert rpr.get("lang") == "ko-KR"
        assert rpr.find(qn("a:ea")).get("typeface") == "NanumGothic"
        children = [c.tag for c in rpr]             # the schema's order: fill before the typefaces
        assert children.index(qn("a:solidFill")) < children.index(qn("a:ea"))


def test_gif_frames_draw_hangul_with_its_glyphs(korean):
    clock = W._Clock(float("inf"), 2)
    ko, en = W.frames(korean, range(4, 6), "LR", clock, "ko"), W.frames(korean, range(4, 6), "LR", clock)
    assert ko[0].size == ko[1].size and ko[0].width == en[0].width   # a narration may wrap to more rows
    # the title line (under the graph) differs between the languages
    box = (0, 0, en[1].width, min(ko[1].height, en[1].height))
    assert ImageChops.difference(ko[1].crop(box), en[1].crop(box)).getbbox() is not None
    # and Hangul is drawn in the Korean font: its glyphs, not the Latin font's boxes
    latin, korean_font = ImageFont.truetype(font_file(), 16), ImageFont.truetype(korean_font_file(), 16)
    title = step_lines(korean, 5, "ko")[0].text
    assert all(has_glyph(korean_font_file(), ch) for ch in hangul(title))
    drawn, boxes = Image.new("L", (700, 30), 255), Image.new("L", (700, 30), 255)
    W._draw_text(ImageDraw.Draw(drawn), (0, 4), title, latin, korean_font, 0)
    W._draw_text(ImageDraw.Draw(boxes), (0, 4), title, latin, None, 0)
    assert ImageChops.difference(drawn, boxes).getbbox() is not None
    # the drawn line is as wide as measured (a caption wraps by that measure)
    right = ImageChops.invert(drawn).getbbox()[2]
    assert abs(right - W._text_length(title, latin, korean_font)) < 3


def test_gif_in_korean_is_a_gif_of_every_step(korean):
    img = Image.open(io.BytesIO(R.render_walkthrough(korean, "gif", lang="ko", time_limit=NO_LIMIT)))
    assert img.n_frames == 7


# ---------------------------------------------------------------- the player and the command line

def test_html_player_in_korean(korean):
    page = R.render_walkthrough(korean, "html", 0, 6, lang="ko").decode("utf-8")
    assert page.startswith('<!doctype html>\n<html lang="ko">')
    data = json.loads(re.search(r'<script type="application/json" id="bp-data">(.*?)</script>', page, re.S)[1])
    assert data["lang"] == "ko" and data["ui"]["next"] == "다음 단계 (→)"
    assert data["panels"][0]["label"] == "6단계 중 0단계 · 아직 아무것도 계산하지 않았습니다"
    assert data["panels"][5]["edges"] == [] and data["panels"][4]["edges"][0]["title"] == "가중치(으)로 (1번째 입력)"
    en = player_data(korean)
    assert en["ui"]["next"] == "Next step (→)" and en["panels"][4]["edges"][0]["title"] == "to 가중치 (1st input)"


def test_cli_walkthrough_in_korean(tmp_path, capsys):
    src = tmp_path / "ko.py"
    src.write_text(KOREAN, encoding="utf-8")
    out = tmp_path / "w.pdf"
    assert cli_main(["walkthrough", str(src), "-o", str(out), "--to", "2", "--lang", "ko"]) == 0
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "6단계 중 2단계 · forward: 입력값, leaf" in text
    assert cli_main(["walkthrough", str(src), "-o", str(out), "--to", "1"]) == 0
    assert "Step 1 of 6 · forward: 가중치, a leaf" in pdf_text(out.read_bytes(), tmp_path)


def test_the_notebook_widget_in_korean():
    w = trace(KOREAN).widget(lang="ko")
    state = w.get_state()
    assert state["data"]["ui"]["program"] == "프로그램"
    assert state["data"]["panels"][5]["label"] == "6단계 중 5단계 · backward: 입력값"
    bundle, _ = w._repr_mimebundle_()
    assert bundle["text/plain"] == "<단계별 widget: 6단계 중 0단계 (0–6단계)>" and "입력값" in bundle["image/svg+xml"]
    assert repr(trace(KOREAN).widget()) == "<stepping widget at step 0 of 6>"


def test_without_a_korean_font_a_korean_export_says_what_to_install(korean, monkeypatch):
    from drawing import fonts

    monkeypatch.setattr(fonts, "KOREAN", (("NoSuchFont.ttf",), ("NoSuchFont-Bold.ttf",)))
    with pytest.raises(R.RenderError, match="fonts-nanum"):
        R.render_walkthrough(korean, "pdf", 0, 1, lang="ko", time_limit=NO_LIMIT)
    # an English walkthrough of Latin names needs no Korean font
    assert R.render_walkthrough(trace("x = 2.0").to_dict(), "pdf", 0, 1, time_limit=NO_LIMIT)[:5] == b"%PDF-"


def test_the_korean_pdf_is_titled_in_korean(korean, tmp_path):
    (tmp_path / "w.pdf").write_bytes(R.render_walkthrough(korean, "pdf", 0, 0, lang="ko", time_limit=NO_LIMIT))
    info = subprocess.run(["pdfinfo", str(tmp_path / "w.pdf")], capture_output=True, check=True).stdout.decode()
    assert "Backprop Studio 단계별 보기" in info
