"""HTTP routes: each one parses a request, calls the engine, and shapes the answer."""
from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

import json

import drawing as renderer
from engine import document as doc
from engine import train_document as tdoc
from engine import i18n
from engine.activations import activations

from .answers import Answer
from . import glossary as terms
from .examples import TRAIN_EXAMPLES, examples_in
from .jsondoc import json_bytes, json_response
from .schemas import (DetailsRequest, DetailsResponse, DrawingRequest, DrawingResponse, ErrorResponse, Example, ExpandRequest, ExpandResponse, LayersRequest, LayersResponse, LrMapRequest, RenderRequest,
                      SliceRequest, Status, TraceRequest, TraceResponse, TrainAnswer, TrainOptions, TrainRequest,
                      VectorizeRequest, VectorizeResponse, WalkthroughRequest, WindowRequest)
from .workers import Spooled

router = APIRouter()

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The program is invalid (message, line, col)."},
    422: {"model": ErrorResponse, "description": "The request is malformed or out of range, the "
                                                "program ran past the time or memory limit, or "
                                                "its answer would pass the size limit."},
    413: {"model": ErrorResponse, "description": "The request body is larger than the limit."},
    503: {"model": ErrorResponse, "description": "The server is busy (try again after "
                                                "Retry-After seconds) or a worker was lost."},
}


def answer(request: Request, body: bytes | Spooled, media_type: str,
           headers: dict[str, str] | None = None) -> Answer:
    """A worker's answer, sent in chunks within the send timeout and counted in the budget."""
    s = request.app.state.settings
    return Answer(body, media_type, request.app.state.answer_budget, s.send_timeout_s, headers)


def graphviz_status(lang: str = "en") -> Status:
    """Can this server draw graphs? (What to install, if not, in `lang`.)"""
    ok = renderer.graphviz_available()
    return Status(graphviz=ok, message=None if ok else i18n.text("error.draw.install_graphviz", lang))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request) -> Response:
    """The studio page."""
    templates = request.app.state.templates
    lang = page_lang(request)
    return templates.TemplateResponse(request, "index.html", {
        "lang": lang, "catalogue": i18n.catalogue(lang),
        "t": lambda key, **args: i18n.text(key, lang, **args),
        "lang_names": lang_names(),
        "examples": examples_in(lang),
        "status": graphviz_status(lang),
        "walkthrough": {"max_pages": renderer.MAX_WALKTHROUGH_PAGES, "frame_ms": renderer.FRAME_MS,
                        "min_frame_ms": renderer.MIN_FRAME_MS, "max_frame_ms": renderer.MAX_FRAME_MS},
    })


def page_lang(request: Request) -> str:
    """The language a page is served in: `?lang=`, else the browser's Accept-Language."""
    return i18n.lang_of(request.query_params.get("lang") or request.headers.get("accept-language"))


def lang_names() -> list[tuple[str, str]]:
    """Each language the studio speaks, named in itself (the page's switch)."""
    return [(lang, i18n.text("lang.short", lang)) for lang in i18n.LANGS]


@router.get("/glossary", response_class=HTMLResponse, include_in_schema=False)
def glossary(request: Request) -> Response:
    """The lecture's terms, each with its Korean gloss, its meaning and a link to the studio showing it."""
    lang = page_lang(request)
    return request.app.state.templates.TemplateResponse(request, "glossary.html", {
        "lang": lang, "t": lambda key, **args: i18n.text(key, lang, **args),
        "lang_names": lang_names(), "terms": terms.entries(lang),
    })


def request_lang(request: Request) -> str:
    """The language an answer (an error's message among them) is told in: the JSON body's
    `"lang"`, else `?lang=`, else the Accept-Language header (the page sends its own there)."""
    body = getattr(request, "_body", None)      # read already, by the route
    if body and body.lstrip()[:1] == b"{":
        try:
            named = json.loads(body).get("lang")
        except (ValueError, UnicodeDecodeError, AttributeError):
            named = None
        if isinstance(named, str) and named:
            return i18n.lang_of(named)
    return i18n.lang_of(request.query_params.get("lang") or request.headers.get("accept-language"))


def answer_lang(request: Request, asked: str | None) -> str:
    """The language an answer's messages are told in: the body's `lang`, else as a page's."""
    return i18n.lang_of(asked) if asked else page_lang(request)


@router.get("/i18n/{lang}.json", include_in_schema=False)
def catalogue(lang: str) -> Response:
    """One language's catalogue: every text of the page, key → template."""
    if lang not in i18n.LANGS:
        return json_response({"message": f"no catalogue for {lang!r}; one of {', '.join(i18n.LANGS)}"}, 404)
    return Response(json_bytes(i18n.catalogue(lang)), media_type="application/json",
                    headers={"Cache-Control": "no-cache"})


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request) -> Response:
    """Interactive API documentation (Swagger UI served from static/vendor, so it works offline)."""
    return request.app.state.templates.TemplateResponse(request, "docs.html", {
        "openapi_url": request.app.openapi_url,
    })


@router.get("/api/examples", response_model=list[Example], summary="The worked examples")
def examples(request: Request) -> list[dict[str, str]]:
    """The gallery's worked examples, covering the lecture, in the request's language
    (`?lang=` or Accept-Language)."""
    return examples_in(request_lang(request))


@router.get("/api/status", response_model=Status, summary="Can the server draw graphs?")
def status(request: Request) -> Status:
    """Whether Graphviz is installed, and the command to install it if not (in the request's
    language)."""
    return graphviz_status(request_lang(request))


@router.post("/api/trace", response_model=TraceResponse, responses=ERRORS,
             summary="Trace a program: graph, forward and backward steps, SVG")
async def trace_program(req: TraceRequest, request: Request) -> Response:
    """Run the program forward and backward; every step is recorded for the page to replay."""
    # The work (app/jobs.py) runs in a worker process, which hands back the finished JSON.
    at = None if req.at is None else req.at.model_dump()
    body = await request.app.state.workers.run("trace", source=req.source, gradcheck=req.gradcheck,
                                                 h=req.h, direction=req.direction, unroll=req.unroll, at=at,
                                                 init=req.init, level=req.level, drawing=req.drawing,
                                                 packed=req.packed, details=req.details)
    return answer(request, body, "application/json")


@router.post("/api/details", response_model=DetailsResponse, responses=ERRORS,
             summary="The backward steps' details /api/trace leaves out with `details` false")
async def details_of(req: DetailsRequest, request: Request) -> Response:
    """The backward steps in full (edges, contributions, rules) and the display model's edges of a
    big program, for a page that showed it first (the same worker lane, which made them right
    after its answer: the program is not traced again)."""
    at = None if req.at is None else req.at.model_dump()
    body = await request.app.state.workers.run("details", source=req.source, unroll=req.unroll, at=at,
                                                 init=req.init)
    return answer(request, body, "application/json")


@router.post("/api/drawing", response_model=DrawingResponse, responses=ERRORS,
             summary="Draw a traced program: the SVG /api/trace leaves out with `drawing` false")
async def drawing_of(req: DrawingRequest, request: Request) -> Response:
    """The graph's SVG, for a page that showed the trace first (the same worker lane, which
    keeps its last trace: the program is not traced again)."""
    at = None if req.at is None else req.at.model_dump()
    body = await request.app.state.workers.run("drawing", source=req.source, direction=req.direction,
                                                 unroll=req.unroll, at=at, init=req.init, level=req.level)
    return answer(request, body, "application/json")


@router.post("/api/expand", response_model=ExpandResponse, responses=ERRORS,
             summary="Draw one statement of a program on its own (a collapsed box expanded)")
async def expand_statement(req: ExpandRequest, request: Request) -> Response:
    """The nodes of one statement, drawn with their values, gradients and edge labels, for the
    page to lay over that statement's box in the collapsed drawing."""
    body = await request.app.state.workers.run("expand", source=req.source, group=req.group,
                                                 direction=req.direction)
    return answer(request, body, "application/json")


@router.post("/api/vectorize", response_model=VectorizeResponse, responses=ERRORS,
             summary="Compare a program as written and unrolled into scalar operations")
async def vectorize_program(req: VectorizeRequest, request: Request) -> Response:
    """Node counts, step counts and the engine's time for the program's graph and for its
    unrolled scalar graph, and the largest difference between their values and gradients."""
    body = await request.app.state.workers.run("vectorize", source=req.source, lang=answer_lang(request, req.lang))
    return answer(request, body, "application/json")


@router.post("/api/window", response_model=doc.Window, responses=ERRORS,
             summary="Exact entries of a big tensor: a window of a node's value or gradient")
async def window(req: WindowRequest, request: Request) -> Response:
    """Rows [r0, r1) and columns [c0, c1) of a node's value or gradient (at most 4,096 entries),
    for the tensors the trace sends as summaries."""
    body = await request.app.state.workers.run("window", source=req.source, node=req.node, what=req.what,
                                                 rows=req.rows, cols=req.cols)
    return answer(request, body, "application/json")


@router.get("/api/train/options", response_model=TrainOptions, summary="The training lab's choices")
def train_options() -> Response:
    """The lab's examples and default run, the optimizers and schedules with their defaults, the limits,
    and what each optimizer does and each schedule's rate, as messages the page tells."""
    from engine import limits
    from engine.i18n import msg
    from engine.optimizers import OPTIMIZERS
    from engine.schedules import REQUIRED, SCHEDULES
    from engine.train import DEFAULT_RUN, DEFAULT_STEPS
    return json_response({
        "examples": TRAIN_EXAMPLES, "steps": DEFAULT_STEPS, "run": DEFAULT_RUN,
        "optimizers": {name: dict(o.defaults) for name, o in OPTIMIZERS.items()},
        "schedules": {name: {k: (None if v is REQUIRED else v) for k, v in s.params.items()}
                      for name, s in SCHEDULES.items()},
        "texts": {"optimizers": {name: msg(f"optim.{name}.description").to_json() for name in OPTIMIZERS},
                  "schedules": {name: s.formula.to_json() for name, s in SCHEDULES.items()}},
        "limits": {"steps": limits.MAX_TRAIN_STEPS, "runs": limits.MAX_TRAIN_RUNS, "work": limits.MAX_TRAIN_WORK,
                   "grid": limits.MAX_SLICE_GRID, "lrmap_cells": limits.MAX_LRMAP_CELLS,
                   "lrmap_steps": limits.MAX_LRMAP_STEPS}})


@router.post("/api/train", response_model=TrainAnswer, responses=ERRORS,
             summary="Train: runs of optimizers on the program's parameters, or one iteration inspected")
async def train_program(req: TrainRequest, request: Request) -> Response:
    """Every run from the program's values: per iteration the loss, the rate and the gradient
    norm, the final parameters, where it diverged. With `inspect`: one iteration's state of
    every parameter, its update rule with numbers, and the trace at its values."""
    body = await request.app.state.workers.run("train", source=req.source, steps=req.steps, runs=req.runs,
                                                 inspect=None if req.inspect is None else req.inspect.model_dump())
    return answer(request, body, "application/json")


@router.post("/api/train/slice", response_model=tdoc.LossSlice, responses=ERRORS,
             summary="The loss over two coordinates, with every run's path")
async def train_slice(req: SliceRequest, request: Request) -> Response:
    """The loss on a grid over two coordinates, every other parameter held at one iteration's values."""
    body = await request.app.state.workers.run(
        "slice", source=req.source, steps=req.steps, runs=req.runs, run=req.run, iteration=req.iteration,
        x=req.x.model_dump(exclude_none=True), y=req.y.model_dump(exclude_none=True), grid=req.grid)
    return answer(request, body, "application/json")


@router.post("/api/train/lrmap", response_model=tdoc.LrMap, responses=ERRORS,
             summary="A learning-rate × momentum map of short runs, each classed")
async def train_lrmap(req: LrMapRequest, request: Request) -> Response:
    """Short runs over log-spaced learning rates × momenta: converged, slow, oscillating or diverged."""
    body = await request.app.state.workers.run("lrmap", source=req.source, steps=req.steps,
                                                 optimizer=req.optimizer, lrs=req.lrs.model_dump(),
                                                 momenta=req.momenta)
    return answer(request, body, "application/json")


@router.post("/api/layers", response_model=LayersResponse, responses=ERRORS,
             summary="The layer view: each layer's statistics under each initialization")
async def layers_of_program(req: LayersRequest, request: Request) -> Response:
    """One row per layer (each nonlinearity's output, else each tensor statement): value and
    gradient histograms, gradient norm, saturated and dead shares, and whether every unit got
    the same gradient, for each initialization asked for."""
    body = await request.app.state.workers.run("layers", source=req.source, inits=list(req.inits),
                                                 lang=answer_lang(request, req.lang))
    return answer(request, body, "application/json")


@router.get("/api/activations", response_model=list[doc.ActivationCurve],
            summary="Every nonlinearity: formula, derivative, sampled curves, flat regions, kink")
def activation_curves() -> Response:
    """The op table's nonlinearities, each sampled over [-6, 6] by its own forward and VJP,
    with the inputs where it saturates (or is dead) and its convention at a kink."""
    return Response(_activation_bytes(), media_type="application/json")


@cache
def _activation_bytes() -> bytes:
    return json_bytes(list(activations()))


@router.post("/api/render", responses={
    **ERRORS,
    200: {"description": "The graph as a file.",
          "content": {mt.split(";")[0]: {} for mt in renderer.FORMATS.values()}},
    503: {"model": ErrorResponse, "description": "Graphviz is not installed on the server, the "
                                                "server is busy, or a worker was lost."},
}, summary="Draw the graph at a step as SVG, PNG, PDF or DOT")
async def render_program(req: RenderRequest, request: Request) -> Response:
    """The graph after the first `step` steps (0: nothing computed; omitted: all), as a file."""
    cache = request.app.state.render_cache      # a repeated request is not drawn again
    at = None if req.at is None else req.at.model_dump()
    key = (req.source, req.format, req.step, req.direction, req.unroll, req.level, at, req.init)
    data = cache.get(key)
    if data is None:
        data = await request.app.state.workers.run("render", source=req.source, format=req.format,
                                                   step=req.step, direction=req.direction,
                                                   unroll=req.unroll, level=req.level, at=at, init=req.init)
        if isinstance(data, bytes):
            cache.put(key, data)
    step = "final" if req.step is None else f"step-{req.step}"
    return answer(request, data, renderer.FORMATS[req.format], {
        "Content-Disposition": f'attachment; filename="backprop-{step}.{req.format}"'})


@router.post("/api/walkthrough", responses={
    **ERRORS,
    200: {"description": "The walkthrough as a file.",
          "content": {mt.split(";")[0]: {} for mt in renderer.WALKTHROUGH_FORMATS.values()}},
    503: {"model": ErrorResponse, "description": "Graphviz is not installed on the server, the "
                                                "server is busy, or a worker was lost."},
}, summary="Every step from `from` to `to` as PDF pages, PPTX slides, a GIF, an MP4 or an HTML player")
async def walkthrough_program(req: WalkthroughRequest, request: Request) -> Response:
    """One page (slide, frame) per step: the graph on its fixed layout with the current node
    highlighted, and what the node panel says. The whole walkthrough (steps 0 to N) has N + 1."""
    data = await request.app.state.workers.run(
        "walkthrough", source=req.source, format=req.format, first=req.first, last=req.last,
        frame_ms=req.frame_ms, direction=req.direction,
        time_limit=request.app.state.settings.walkthrough_time_s,
        lang=req.lang or i18n.lang_of(request.headers.get("accept-language")))
    steps = f"-steps-{req.first or 0}-{'end' if req.last is None else req.last}"
    return answer(request, data, renderer.WALKTHROUGH_FORMATS[req.format], {
        "Content-Disposition": f'attachment; filename="backprop-walkthrough{steps}.{req.format}"'})


@router.get("/api/health", include_in_schema=False)
def health(request: Request) -> Response:
    """Worker processes, queues and counters (for operators and the reliability tests)."""
    return json_response(request.app.state.workers.health())
