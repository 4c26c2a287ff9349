"""JSON for every answer, written in one way by the web side and the worker side alike:
compact UTF-8, with NaN and ±inf (which JSON cannot carry) as the strings "nan", "inf", "-inf"."""
from __future__ import annotations

import json
import math
from typing import Any

import orjson
from starlette.responses import Response


def finite(obj: Any) -> Any:
    """`obj` with every NaN and ±inf replaced by "nan", "inf" or "-inf"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def json_bytes(content: Any) -> bytes:
    """The JSON text of `content` as UTF-8 (the engine may produce log(0) = -inf)."""
    try:
        text = json.dumps(content, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError:              # a non-finite number somewhere: rare, so only then the walk
        text = json.dumps(finite(content), allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def safe_json_bytes(content: Any) -> bytes:
    """The JSON of `content` known to hold no NaN or infinity (the lean document writes them
    as strings itself), by orjson: several times faster than the json module on a big document.
    orjson would write a non-finite float as null, so content that may hold one goes through
    `finite` first."""
    return orjson.dumps(content)


def json_response(content: Any, status_code: int = 200) -> Response:
    """An HTTP answer with `json_bytes(content)` as its body."""
    return Response(json_bytes(content), status_code=status_code, media_type="application/json")
