"""What stands between the outside and the app: body size, security headers, safe SVG.

Both middlewares are pure ASGI (no request objects), so they see every byte and every
response, including those of errors and static files.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
import xml.etree.ElementTree as ET
from xml.parsers import expat
from typing import Any, Awaitable, Callable

from engine.i18n import lang_of, text

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# ---------------------------------------------------------------- request body

async def send_json_error(send: Send, status: int, message: str,
                          headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """An error as the app's JSON {message, line, col}, straight on the ASGI channel."""
    body = json.dumps({"message": message, "line": None, "col": None}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (413) or sent too slowly (408).

    The body is counted as it arrives, chunk by chunk, so a chunked body (which has no
    Content-Length) is stopped at the limit just like a declared one; a declared length
    over the limit is refused before a byte is read. The app then gets the whole body
    in one message, so nothing it does can read past the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float) -> None:
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    def too_large(self, lang: str = "en") -> str:
        return text("api.body_too_large", lang, limit=f"{self.max_bytes:,}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        # The body is not read yet: its refusals are told in the Accept-Language's language.
        lang = lang_of(next((v.decode("latin-1") for k, v in scope.get("headers", ())
                             if k == b"accept-language"), None))
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await send_json_error(send, 400, text("api.bad_content_length", lang))
                if declared > self.max_bytes:
                    return await send_json_error(send, 413, self.too_large(lang))
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return await send_json_error(
                    send, 408, text("api.body_too_slow", lang, seconds=f"{self.timeout_s:g}"))
            if message["type"] == "http.disconnect":
                return                   # the client went away: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return await send_json_error(send, 413, self.too_large(lang))
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()   # after the body: wait for the disconnect, as servers do

        await self.app(scope, replay, send)


# ---------------------------------------------------------------- response headers

# The page loads its script, styles and fonts from this server only and runs no inline
# script (its examples ride in a <script type="application/json"> data block, which is not
# executed). KaTeX sets sizes in style="…" attributes, hence 'unsafe-inline' for
# style attributes only; graphs are inline SVG (sanitized below) or blob:/data: images.
PAGE_CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
])
# /docs is Swagger UI served from static/vendor (no CDN, works offline) with no inline
# script; Swagger UI sets inline styles, so styles get 'unsafe-inline'. It shows no user content.
DOCS_CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src blob:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
DOCS_PATHS = ("/docs",)
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    # Shared links carry the program in the URL; it must not travel to other sites.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class SecurityHeaders:
    """Add the Content-Security-Policy and the other security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP
        extra = [(b"content-security-policy", csp.encode()), *COMMON_HEADERS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in extra if k not in names]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------- SVG

SVG_NS = "http://www.w3.org/2000/svg"
# What Graphviz draws with; anything else (script, foreignObject, a, image, use, style,
# animate, set, …) is dropped with its content.
SVG_ELEMENTS = {"svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse", "circle",
                "rect", "line", "text", "tspan", "defs", "linearGradient", "radialGradient", "stop"}
SVG_ATTRIBUTES = {
    "id", "class", "transform", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2",
    "cx", "cy", "r", "rx", "ry", "fx", "fy", "points", "d", "fill", "fill-opacity", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
    "opacity", "text-anchor", "font-family", "font-size", "font-weight", "font-style",
    "text-decoration", "baseline-shift", "dominant-baseline", "offset", "stop-color",
    "stop-opacity", "gradientUnits", "gradientTransform", "preserveAspectRatio", "version",
}
_URL = re.compile(r"url\s*\(", re.IGNORECASE)
_LOCAL_URL = re.compile(r"^url\(#[A-Za-z0-9_\-]+\)$")


class UnsafeSvg(ValueError):
    """The SVG could not be read as XML."""


def _safe_value(value: str) -> bool:
    if "\\" in value:             # a CSS escape can spell url( without writing it
        return False
    if ":" not in value and "(" not in value:     # every pattern below needs one of them
        return True
    lowered = value.strip().lower()
    if "javascript:" in lowered or "data:" in lowered or "expression(" in lowered:
        return False
    return not _URL.search(value) or bool(_LOCAL_URL.match(value.strip()))


def _clean(el: ET.Element) -> None:
    for child in list(el):
        tag = child.tag
        local = tag.split("}", 1)[1] if isinstance(tag, str) and tag.startswith("{" + SVG_NS + "}") else None
        if local not in SVG_ELEMENTS:
            el.remove(child)          # comments, processing instructions and foreign elements too
            continue
        for name in list(child.attrib):
            if name not in SVG_ATTRIBUTES or not _safe_value(child.attrib[name]):
                del child.attrib[name]
        _clean(child)


# Comments, processing instructions (the XML declaration too) and the DOCTYPE, as whole markup.
_NOT_DRAWING = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.S)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'


def _only_drawing(body: bytes) -> bool:
    """Whether `body` (our XML declaration, then no comments, PIs or DOCTYPE) is an SVG document of drawing
    elements and safe presentation attributes only, as `_clean` keeps them: checked as an XML
    parser reads it (expat, the parser ElementTree uses), element by element."""
    parser = expat.ParserCreate("utf-8", "}")
    ok = [True, 0]

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition("}")
        if ns != SVG_NS or local not in SVG_ELEMENTS or (ok[1] == 0 and local != "svg"):
            ok[0] = False
        for k, v in attrs.items():
            if k not in SVG_ATTRIBUTES or not _safe_value(v):
                ok[0] = False
        ok[1] += 1

    def other(*args: Any) -> None:     # a comment, PI, DOCTYPE or entity the cut above left
        ok[0] = False
    parser.StartElementHandler = start
    parser.CommentHandler = parser.ProcessingInstructionHandler = other
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.SkippedEntityHandler = other
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        return False
    return ok[0] and ok[1] > 0


def sanitize_svg(svg: str | bytes) -> bytes:
    """The SVG with only drawing elements and presentation attributes: no script, event
    handlers, links, foreign objects, external references, comments or DOCTYPE. A drawing that
    has nothing else (Graphviz's own) is sent as it is, its comments and DOCTYPE cut: checked
    by a streaming parse, not rebuilt (1 s of a big drawing's time before)."""
    raw = svg.encode("utf-8") if isinstance(svg, str) else svg
    if not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in raw:
        # Graphviz writes each "-" as "&#45;" (ids, classes, numbers in texts): plain, as a rebuilt one has it.
        sent = _DECLARATION + _NOT_DRAWING.sub(b"", raw).strip().replace(b"&#45;", b"-") + b"\n"
        if _only_drawing(sent):       # the very bytes sent are checked
            return sent
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"the drawing is not well-formed SVG: {exc}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeSvg("the drawing is not an SVG document")
    for name in list(root.attrib):
        if name not in SVG_ATTRIBUTES or not _safe_value(root.attrib[name]):
            del root.attrib[name]
    _clean(root)
    ET.register_namespace("", SVG_NS)
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + body + "\n").encode("utf-8")
