"""The app factory: wires routes, templates, static files and the error handlers."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import ProgramError
from engine import i18n
from engine.errors import SpecError, told
import drawing as renderer

from .limits import Settings, settings as settings_from_env
from .jsondoc import json_response
from .routes import request_lang, router
from .security import BodyLimit, SecurityHeaders
from .answers import Budget
from .cache import AnswerCache
from .workers import WorkerError, WorkerPool

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"


def _error(status: int, message: str, line: int | None = None, col: int | None = None):
    return json_response({"message": message, "line": line, "col": col}, status)


# Starlette's own details, told from the catalogue.
HTTP_DETAILS = {"Not Found": "api.not_found", "Method Not Allowed": "api.method_not_allowed"}


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON {message, line, col}, its message in the request's
    language when the error carries a `msg`; a bad program is one handler."""

    @app.exception_handler(ProgramError)
    async def program_error(request: Request, exc: ProgramError):
        return _error(400, told(exc, request_lang(request)), exc.line, exc.col)

    @app.exception_handler(SpecError)
    async def bad_spec(request: Request, exc: SpecError):
        return _error(422, told(exc, request_lang(request)))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return _error(422, i18n.text("api.invalid_request", request_lang(request), problems="; ".join(problems)))

    @app.exception_handler(renderer.StepOutOfRange)
    async def bad_step(request: Request, exc: renderer.StepOutOfRange):
        return _error(422, told(exc, request_lang(request)))

    @app.exception_handler(renderer.GraphvizMissing)
    async def no_graphviz(request: Request, exc: renderer.GraphvizMissing):
        return _error(503, told(exc, request_lang(request)))

    @app.exception_handler(renderer.RenderError)
    async def cannot_draw(request: Request, exc: renderer.RenderError):
        return _error(422, told(exc, request_lang(request)))

    @app.exception_handler(WorkerError)
    async def worker_error(request: Request, exc: WorkerError):
        response = _error(exc.status, told(exc, request_lang(request)))
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = str(exc.detail)
        key = HTTP_DETAILS.get(detail)
        response = _error(exc.status_code, i18n.text(key, request_lang(request)) if key else detail)
        response.headers.update(exc.headers or {})      # e.g. Allow on a 405
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    """A fresh Backprop Studio app (limits: ``settings``, else app/limits.py and BACKPROP_* variables)."""
    settings = settings or settings_from_env()
    pool = WorkerPool(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        await asyncio.to_thread(pool.start)   # workers ready before the first request
        try:
            yield
        finally:
            await asyncio.to_thread(pool.close)

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,        # served by routes.api_docs from vendored Swagger UI (no CDN)
        redoc_url=None,
        title="Backprop Studio",
        version="0.1.0",
        description="Type a small program, see its computation graph, and step through the "
                    "forward and backward passes. Errors are JSON `{message, line, col}`.",
    )
    app.state.settings = settings
    app.state.workers = pool              # parsing, running and drawing happen in its processes
    app.state.render_cache = AnswerCache()  # /api/render answers by (program, format, step)
    app.state.answer_budget = Budget(settings.response_memory_bytes, settings.response_spool_bytes)
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(router)
    install_error_handlers(app)
    # Outermost last: every response (413s included) gets the security headers.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s)
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
