"""A walkthrough: every step of a range as PDF pages, PPTX slides, GIF or MP4 frames, or an
HTML player, for teaching from.

Every page shows the graph after its step on the program's one layout (nodes never move),
in the page's colours with the current node highlighted, and under it what the node panel
says (drawing/steptext.py). The PDF draws each step's SVG as vectors; the slides and the
frames are PNGs drawn by Graphviz (several steps per run).
"""
from __future__ import annotations

import inspect
import io
import logging
import os
import re
import tempfile
import time
from typing import Callable

from engine import i18n

from .display import check_step, display_model
from .dot import dot_source
from .errors import (FRAME_MS, MAX_FRAME_MS, MAX_WALKTHROUGH_PAGES, MIN_FRAME_MS, WALKTHROUGH_TIME_S,
                     RenderError, StepOutOfRange, check_size)
from .export import render, resolve_direction
from .fonts import KOREAN_FAMILY, font_file, korean_font_file, needs_korean, runs
from .runner import run_ffmpeg, run_graphviz
from .steptext import Line, step_lines
from .style import COLORS
from .svg import full_drawing

WALKTHROUGH_FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "html": "text/html; charset=utf-8",
}
SLIDE_DPI = 144                 # the graph's PNG on a slide (sharp when projected)
FRAME_DPI = 96                  # a GIF's or MP4's frame
MAX_FRAME_PX = 1920             # frames wider than this are scaled down
STEPS_PER_RUN = 12              # steps Graphviz draws in one run at most ...
NODES_PER_RUN = 600             # ... and nodes over those steps (a run stays within its time limit)
# The page's colour for each kind of line (static/studio.css).
INK = {"title": COLORS["text"], "head": "#475569", "text": COLORS["text"], "value": COLORS["text"],
       "grad": COLORS["grad"], "rule": "#334155", "intuition": "#0f766e", "narration": COLORS["text"]}
# fpdf2's font subsetter names each TrueType table it drops (NanumGothic has several).
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


def told_in(traced, lang: str) -> dict:
    """A trace's document with its texts (rules, intuitions) in ``lang``, where the engine
    writes them in more than one language."""
    if "lang" in inspect.signature(traced.to_dict).parameters:
        return traced.to_dict(lang=lang)
    return traced.to_dict()


def _korean(doc: dict, texts: list[list[Line]]) -> bool:
    """Whether a walkthrough has Hangul to draw: in its texts or its nodes' names."""
    return needs_korean(*(line.text for lines in texts for line in lines),
                        *(n["symbol"] + n["expr"] for n in doc["nodes"]))


def step_range(doc: dict, first: int | None = 0, last: int | None = None) -> range:
    """Steps ``first``..``last`` (both included; None: 0 and the last step), checked."""
    total = len(doc["steps"])
    first = check_step(doc, 0 if first is None else first)
    last = check_step(doc, last)
    if first > last:
        raise StepOutOfRange(f"the range is empty: from step {first} to step {last}; "
                             f"'from' must not be after 'to' (0..{total})")
    if last - first + 1 > MAX_WALKTHROUGH_PAGES:
        raise StepOutOfRange(
            f"steps {first} to {last} would make {last - first + 1} pages; a walkthrough has at "
            f"most {MAX_WALKTHROUGH_PAGES}: choose a shorter range with from and to")
    return range(first, last + 1)


class _Clock:
    """The export's time limit, checked between pages: an export stops with a message once
    the next page would pass it (judged by the pages so far), before the server's job limit
    kills it."""

    def __init__(self, limit: float, pages: int) -> None:
        self.limit, self.pages, self.start = limit, pages, time.monotonic()

    def left(self) -> float:
        return self.limit - (time.monotonic() - self.start)

    def check(self, done: int) -> None:
        spent = time.monotonic() - self.start
        if spent >= self.limit or (done and spent + spent / done > self.limit):
            raise RenderError(
                f"this walkthrough would take longer than {self.limit:g} s to make ({done} of "
                f"{self.pages} pages done in {spent:.0f} s); choose a shorter range with from and to")


# ---------------------------------------------------------------- the graph at each step

def _svg_for_pdf(svg: bytes, family: str, korean: str | None = None) -> bytes:
    """A step's SVG as fpdf2 draws it: no titles or comments, every text in ``family``
    (a font with every symbol) or, if it has Hangul, in ``korean``, no 'transparent' (fpdf2
    reads it as no paint: none). fpdf2's fallback fonts do not reach an SVG's texts."""
    text = svg.decode("utf-8")
    text = re.sub(r"<title>[^<]*</title>\n?|<!--.*?-->\n?", "", text, flags=re.S)

    def face(m: re.Match) -> str:
        return m[0].replace(m[1], f'font-family="{korean if korean and needs_korean(m[2]) else family}"')
    text = re.sub(r'<text[^>]*?(font-family="[^"]*")[^>]*>([^<]*)</text>', face, text)
    return text.replace('"transparent"', '"none"').encode("utf-8")


def _split_pngs(data: bytes) -> list[bytes]:
    """Graphviz's PNGs of several graphs, written one after another, as separate files (read
    chunk by chunk: a file ends with its IEND chunk)."""
    out, start = [], 0
    while start < len(data):
        at = start + 8                                  # past the PNG signature
        while True:
            length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
            at += 12 + length                           # length, type, data, CRC
            if kind == b"IEND" or at >= len(data):
                break
        out.append(data[start:at])
        start = at
    return out


def step_pngs(doc: dict, steps: range, dpi: int, direction: str, clock: _Clock) -> list[bytes]:
    """The graph after each step as a PNG in the page's colours, on the program's layout."""
    model = display_model(doc)
    layout = full_drawing(doc, model, direction).layout()
    pngs: list[bytes] = []
    per_run = max(1, min(STEPS_PER_RUN, NODES_PER_RUN // max(1, len(doc["nodes"]))))
    for at in range(0, len(steps), per_run):
        clock.check(at)
        chunk = steps[at:at + per_run]
        source = "".join(dot_source(doc, model, k, layout, True, direction, coloured=True) for k in chunk)
        pngs.extend(_split_pngs(run_graphviz("neato", ["-n2", "-Tpng", f"-Gdpi={dpi}"], source)))
    if len(pngs) != len(steps):
        raise RenderError(f"Graphviz drew {len(pngs)} pictures for {len(steps)} steps")
    return pngs


# ---------------------------------------------------------------- PDF

PAGE_W, PAGE_H, MARGIN = 960.0, 540.0, 28.0        # points: a 16:9 page, as beamer's and slides'


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _fit_text(pdf, lines: list[Line], width: float, room: float) -> tuple[float, list[tuple[Line, int]]]:
    """The largest font size (14 down to 7 points) at which ``lines`` fit ``room`` points
    high, and each line's number of wrapped rows; past that, the last lines are cut."""
    for size in (14, 13, 12, 11, 10, 9, 8, 7):
        pdf.set_font("dejavu", "", size)
        rows = [(line, len(pdf.multi_cell(width, size * 1.3, line.text, align="L", dry_run=True,
                                           output="LINES")))
                for line in lines]
        if sum(n for _, n in rows) * size * 1.3 <= room:
            return size, rows
    kept, used = [], 0.0
    for line, n in rows:
        if used + (n + 1) * 7 * 1.3 > room:
            kept.append((Line("text", "…"), 1))
            break
        kept.append((line, n))
        used += n * 7 * 1.3
    return 7, kept


def _text_height(pdf, lines: list[Line], width: float, size: float) -> float:
    pdf.set_font("dejavu", "", size)
    return sum(len(pdf.multi_cell(width, size * 1.3, line.text, align="L", dry_run=True, output="LINES"))
               for line in lines) * size * 1.3


def _pdf(doc: dict, steps: range, direction: str, clock: _Clock, lang: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="pt", format=(PAGE_H, PAGE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("dejavu", "", font_file())     # one face: reading a font file is most of a short export
    pdf.set_title(i18n.text("export.title", lang))
    pdf.set_creator("Backprop Studio")
    pdf.set_lang(lang)
    model = display_model(doc)
    texts = [step_lines(doc, k, lang) for k in steps]
    korean = None
    if _korean(doc, texts):                     # Hangul's glyphs come from NanumGothic
        korean = "nanum"
        pdf.add_font(korean, "", korean_font_file())
        pdf.set_fallback_fonts([korean])
    svg = render(doc, "svg", steps.start, model=model, direction=direction)
    root = re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    pdf.add_page()                      # the first page; fpdf2 measures text on a page
    body_w, top = PAGE_W - 2 * MARGIN, MARGIN + 26
    body_h = PAGE_H - top - MARGIN
    gw, gh = (float(root[1]), float(root[2])) if root else (body_w, body_h)
    # One frame for every page, so the graph stays put from page to page: the texts under
    # the graph in the room the longest needs (at most half the page), or in a column
    # beside it when that draws the graph larger, as for a tall graph laid out top to bottom.
    room = min(body_h * 0.5, max(_text_height(pdf, t[1:], body_w, 12) for t in texts))
    under = min(body_w / gw, (body_h - room - 10) / gh, 2.0)
    side_w = body_w * 0.42
    beside = min((body_w - side_w - 14) / gw, body_h / gh, 2.0)
    if beside > under * 1.15:
        scale, box_w, text_at, text_w, room = beside, body_w - side_w - 14, (PAGE_W - MARGIN - side_w, top), side_w, body_h
    else:
        scale, box_w, text_at, text_w = under, body_w, (MARGIN, PAGE_H - MARGIN - room), body_w
    w, h = gw * scale, gh * scale
    for n, (k, lines) in enumerate(zip(steps, texts)):
        clock.check(n)
        if n:
            svg = render(doc, "svg", k, model=model, direction=direction)
            pdf.add_page()
        pdf.set_font("dejavu", "", 16)
        pdf.set_text_color(*_hex(INK["title"]))
        pdf.set_xy(MARGIN, MARGIN)
        pdf.cell(body_w, 18, lines[0].text)
        pdf.image(io.BytesIO(_svg_for_pdf(svg, "dejavu", korean)), x=MARGIN + (box_w - w) / 2, y=top, w=w, h=h)
        size, rows = _fit_text(pdf, lines[1:], text_w, room)
        pdf.set_xy(*text_at)
        for line, _ in rows:
            pdf.set_x(text_at[0])
            pdf.set_font("dejavu", "", size)
            pdf.set_text_color(*_hex(INK.get(line.kind, INK["text"])))
            pdf.multi_cell(text_w, size * 1.3, line.text, align="L", new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())


# ---------------------------------------------------------------- PPTX

def _typeface(run, lang: str) -> None:
    """A run's East-Asian typeface (``a:ea``): PowerPoint sets Hangul in it; and its language."""
    from pptx.oxml.ns import qn

    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "ko-KR" if lang == "ko" else "en-US")
    for old in rpr.findall(qn("a:ea")):
        rpr.remove(old)
    ea = rpr.makeelement(qn("a:ea"), {"typeface": KOREAN_FAMILY})
    after = [rpr.find(qn(tag)) for tag in ("a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")]
    after = [e for e in after if e is not None]
    if after:
        after[0].addprevious(ea)                # the schema's order: ea before cs, sym, links
    else:
        rpr.append(ea)


def _pptx(doc: dict, steps: range, direction: str, clock: _Clock, lang: str) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt
    from PIL import Image

    pngs = step_pngs(doc, steps, SLIDE_DPI, direction, clock)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Pt(PAGE_W), Pt(PAGE_H)
    blank = deck.slide_layouts[6]
    body_w = PAGE_W - 2 * MARGIN
    texts = [step_lines(doc, k, lang) for k in steps]
    # One frame for every slide, so the graph stays put: the texts take the lower part of
    # the slide, as much as the longest needs (at most 45%), at a size set by their length.
    longest = max(len(t) for t in texts)
    size = 14 if longest <= 7 else (12 if longest <= 11 else 10)
    text_h = min(PAGE_H * 0.45, (longest - 1) * size * 1.35 + 12)
    top, graph_h = MARGIN + 30, PAGE_H - MARGIN - 30 - MARGIN - text_h - 6
    with Image.open(io.BytesIO(pngs[0])) as img:      # every step's picture has the same size
        gw, gh = img.width * 72 / SLIDE_DPI, img.height * 72 / SLIDE_DPI
    scale = min(body_w / gw, graph_h / gh, 2.0)
    w, h = gw * scale, gh * scale
    for n, (k, png, lines) in enumerate(zip(steps, pngs, texts)):
        clock.check(n)
        slide = deck.slides.add_slide(blank)
        title = slide.shapes.add_textbox(Pt(MARGIN), Pt(MARGIN - 6), Pt(body_w), Pt(28))
        title.name = "Step title"
        para = title.text_frame.paragraphs[0]
        run = para.add_run()
        run.text = lines[0].text
        run.font.size, run.font.bold = Pt(20), True
        run.font.color.rgb = RGBColor(*_hex(INK["title"]))
        _typeface(run, lang)
        pic = slide.shapes.add_picture(io.BytesIO(png), Pt(MARGIN + (body_w - w) / 2), Pt(top), Emu(int(Pt(w))),
                                       Emu(int(Pt(h))))
        pic.name = f"Graph after step {k}"
        box = slide.shapes.add_textbox(Pt(MARGIN), Pt(PAGE_H - MARGIN - text_h), Pt(body_w), Pt(text_h))
        box.name = "What the panel says"
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines[1:]):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            run = para.add_run()
            run.text = line.text
            run.font.size, run.font.bold = Pt(size), line.kind == "head"
            run.font.color.rgb = RGBColor(*_hex(INK.get(line.kind, INK["text"])))
            _typeface(run, lang)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- GIF and MP4 frames

def _text_length(text: str, latin, korean) -> float:
    """How wide ``_draw_text`` draws ``text``, in pixels (to wrap a line)."""
    return sum((korean if wide and korean is not None else latin).getlength(part) for part, wide in runs(text))


def _draw_text(draw, xy: tuple[int, int], text: str, latin, korean, fill: str) -> None:
    """``text`` at ``xy``, each run in the font that has its glyphs (Hangul in ``korean``)."""
    x, y = xy
    baseline = y + latin.getmetrics()[0]        # the runs share the Latin font's baseline
    for part, wide in runs(text):
        font = korean if wide and korean is not None else latin
        draw.text((x, baseline), part, font=font, fill=fill, anchor="ls")
        x += draw.textlength(part, font=font)


def frames(doc: dict, steps: range, direction: str, clock: _Clock, lang: str = "en") -> list:
    """One picture per step: the graph with the step's title and its first two lines of
    numbers under it, all the same size (Pillow images, RGB)."""
    from PIL import Image, ImageDraw, ImageFont

    pngs = step_pngs(doc, steps, FRAME_DPI, direction, clock)
    graphs = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    width = max(g.width for g in graphs)
    if width > MAX_FRAME_PX:
        graphs = [g.resize((round(g.width * MAX_FRAME_PX / width), round(g.height * MAX_FRAME_PX / width)))
                  for g in graphs]
        width = MAX_FRAME_PX
    width = max(width, 640)
    height = max(g.height for g in graphs)
    size = 16
    bold, regular = ImageFont.truetype(font_file(bold=True), size), ImageFont.truetype(font_file(), size - 2)
    texts = [step_lines(doc, k, lang) for k in steps]
    ko_bold = ko_regular = None
    if _korean(doc, texts):
        ko_bold = ImageFont.truetype(korean_font_file(bold=True), size)
        ko_regular = ImageFont.truetype(korean_font_file(), size - 2)
    out = []
    told = _told_rows(texts, regular, ko_regular, width - 24)
    rows = max(map(len, told))              # every frame the same size
    for k, graph, lines, said in zip(steps, graphs, texts, told):
        numbers = [line for line in lines[1:] if line.kind in ("grad", "value")][:2]
        frame = Image.new("RGB", (width, height + (4 + rows) * size + 20), "white")
        frame.paste(graph, ((width - graph.width) // 2, 0))
        draw = ImageDraw.Draw(frame)
        _draw_text(draw, (12, height + 4), lines[0].text, bold, ko_bold, INK["title"])
        for i, line in enumerate(numbers):
            _draw_text(draw, (12, height + 12 + (i + 1) * (size + 2)), line.text, regular, ko_regular,
                       INK[line.kind])
        out.append(frame)
    return out


FRAME_NARRATION_ROWS = 4        # a frame shows the step's narration in at most this many rows


def _told_rows(texts: list[list[Line]], font, korean, width: int) -> list[list[str]]:
    """Each step's narration wrapped to `width` pixels in `font` (at most FRAME_NARRATION_ROWS
    rows, the last ending in … when cut)."""
    out = []
    for lines in texts:
        said = next((line.text for line in lines if line.kind == "narration"), "")
        rows: list[str] = []
        for word in said.split():
            if rows and _text_length(rows[-1] + " " + word, font, korean) <= width:
                rows[-1] += " " + word
            else:
                rows.append(word)
        if len(rows) > FRAME_NARRATION_ROWS:
            rows = rows[:FRAME_NARRATION_ROWS]
            rows[-1] += " …"
        out.append(rows)
    return out


def _gif(doc: dict, steps: range, direction: str, frame_ms: int, clock: _Clock, lang: str) -> bytes:
    from PIL import Image

    # A drawing has few colours: a fast 64-colour palette per frame keeps them (Pillow's
    # default quantizer takes several times as long).
    pictures = [p.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
                for p in frames(doc, steps, direction, clock, lang)]
    out = io.BytesIO()
    pictures[0].save(out, format="GIF", save_all=True, append_images=pictures[1:], duration=frame_ms,
                     loop=0, optimize=False, disposal=1)
    return out.getvalue()


def _mp4(doc: dict, steps: range, direction: str, frame_ms: int, clock: _Clock, lang: str) -> bytes:
    from .runner import ffmpeg_available, FFMPEG_HINT

    if not ffmpeg_available():
        raise RenderError(FFMPEG_HINT)
    pictures = frames(doc, steps, direction, clock, lang)
    with tempfile.TemporaryDirectory(prefix="backprop-mp4-") as folder:
        for i, picture in enumerate(pictures):
            picture.save(os.path.join(folder, f"frame{i:05d}.png"))
        target = os.path.join(folder, "walkthrough.mp4")
        # One video frame per step, each shown frame_ms; even sizes for the usual H.264 players.
        run_ffmpeg(["-framerate", f"1000/{frame_ms}", "-i", os.path.join(folder, "frame%05d.png"),
                    "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-fps_mode", "passthrough", "-movflags", "+faststart", target],
                   clock.left())
        with open(target, "rb") as f:
            return f.read()


# ---------------------------------------------------------------- the export

def _html(doc: dict, steps: range, direction: str, lang: str) -> bytes:
    try:
        from .player import player_html
    except ImportError:
        raise RenderError("the HTML player is not part of this version of Backprop Studio; "
                          "choose PDF, PPTX, GIF or MP4") from None
    return player_html(doc, first=steps.start, last=steps.stop - 1, direction=direction, lang=lang).encode("utf-8")


def walkthrough(doc: dict, fmt: str, first: int | None = 0, last: int | None = None,
                frame_ms: int | None = None, direction: str = "auto",
                time_limit: float = WALKTHROUGH_TIME_S, lang: str = "en") -> bytes:
    """Steps ``first``..``last`` of ``doc`` (a trace document) as a ``fmt`` file: pdf, pptx,
    gif, mp4 or html. One page, slide or frame per step, so the whole walkthrough (0..N) has
    N + 1; ``frame_ms``: how long a GIF's or MP4's frame shows; ``lang``: the language of
    its own words (the document's texts are in the language it was written in)."""
    if fmt not in WALKTHROUGH_FORMATS:
        raise ValueError(f"unknown walkthrough format {fmt!r}; choose one of {', '.join(WALKTHROUGH_FORMATS)}")
    frame_ms = FRAME_MS if frame_ms is None else frame_ms
    if isinstance(frame_ms, bool) or not isinstance(frame_ms, int) or not MIN_FRAME_MS <= frame_ms <= MAX_FRAME_MS:
        raise StepOutOfRange(f"frame time must be between {MIN_FRAME_MS} and {MAX_FRAME_MS} ms, got {frame_ms!r}")
    steps = step_range(doc, first, last)
    check_size(doc)
    direction = resolve_direction(doc, direction)
    if fmt == "html":
        return _html(doc, steps, direction, lang)
    clock = _Clock(time_limit, len(steps))
    makers: dict[str, Callable[[], bytes]] = {
        "pdf": lambda: _pdf(doc, steps, direction, clock, lang),
        "pptx": lambda: _pptx(doc, steps, direction, clock, lang),
        "gif": lambda: _gif(doc, steps, direction, frame_ms, clock, lang),
        "mp4": lambda: _mp4(doc, steps, direction, frame_ms, clock, lang),
    }
    return makers[fmt]()
