"""HTTP routes: each one parses a request, calls the engine, and shapes the answer."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

import drawing as renderer

from .answers import Answer
from .examples import EXAMPLES
from .jsondoc import json_response
from .schemas import (ErrorResponse, Example, ExpandRequest, ExpandResponse, RenderRequest, Status,
                      TraceRequest, TraceResponse)
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


def graphviz_status() -> Status:
    """Can this server draw graphs?"""
    ok = renderer.graphviz_available()
    return Status(graphviz=ok, message=None if ok else renderer.INSTALL_HINT)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request) -> Response:
    """The studio page."""
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "index.html", {
        "examples": EXAMPLES,
        "status": graphviz_status(),
    })


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request) -> Response:
    """Interactive API documentation (Swagger UI served from static/vendor, so it works offline)."""
    return request.app.state.templates.TemplateResponse(request, "docs.html", {
        "openapi_url": request.app.openapi_url,
    })


@router.get("/api/examples", response_model=list[Example], summary="The worked examples")
def examples() -> list[dict[str, str]]:
    """The gallery's worked examples, covering the lecture."""
    return EXAMPLES


@router.get("/api/status", response_model=Status, summary="Can the server draw graphs?")
def status() -> Status:
    """Whether Graphviz is installed, and the command to install it if not."""
    return graphviz_status()


@router.post("/api/trace", response_model=TraceResponse, responses=ERRORS,
             summary="Trace a program: graph, forward and backward steps, SVG")
async def trace_program(req: TraceRequest, request: Request) -> Response:
    """Run the program forward and backward; every step is recorded for the page to replay."""
    # The work (app/jobs.py) runs in a worker process, which hands back the finished JSON.
    body = await request.app.state.workers.run("trace", source=req.source, gradcheck=req.gradcheck,
                                                 h=req.h, direction=req.direction, level=req.level)
    return answer(request, body, "application/json")


@router.post("/api/expand", response_model=ExpandResponse, responses=ERRORS,
             summary="Draw one statement of a program on its own (a collapsed box expanded)")
async def expand_statement(req: ExpandRequest, request: Request) -> Response:
    """The nodes of one statement, drawn with their values, gradients and edge labels, for the
    page to lay over that statement's box in the collapsed drawing."""
    body = await request.app.state.workers.run("expand", source=req.source, group=req.group,
                                                 direction=req.direction)
    return answer(request, body, "application/json")


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
    key = (req.source, req.format, req.step, req.direction, req.level)
    data = cache.get(key)
    if data is None:
        data = await request.app.state.workers.run("render", source=req.source, format=req.format,
                                                   step=req.step, direction=req.direction, level=req.level)
        if isinstance(data, bytes):
            cache.put(key, data)
    step = "final" if req.step is None else f"step-{req.step}"
    return answer(request, data, renderer.FORMATS[req.format], {
        "Content-Disposition": f'attachment; filename="backprop-{step}.{req.format}"'})


@router.get("/api/health", include_in_schema=False)
def health(request: Request) -> Response:
    """Worker processes, queues and counters (for operators and the reliability tests)."""
    return json_response(request.app.state.workers.health())
