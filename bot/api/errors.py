"""Refusals as JSON: a status and one plain sentence, ``{"error": "..."}``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from conversations import texts


def refuse(status: int, message: str, **extra: Any) -> web.HTTPException:
    """An exception to raise: aiohttp answers it, and nothing after it runs."""
    body = json.dumps({"error": message, **extra}, ensure_ascii=False)
    cls: Any = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        409: web.HTTPConflict,
        422: web.HTTPUnprocessableEntity,
        429: web.HTTPTooManyRequests,
    }[status]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429:  # always says how long: a caller told only "no" retries at once
        headers = {"Retry-After": str(extra["retry_after"])}
    refusal: web.HTTPException = cls(text=body, content_type="application/json", headers=headers)
    return refusal


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying it is not one."""
    try:
        body = await request.json(loads=json.loads)
    except (ValueError, UnicodeDecodeError, LookupError, RecursionError):
        # Not JSON, an unknown charset, or nesting deep enough to exhaust the parser.
        raise refuse(400, texts.STAFF_BAD_JSON) from None
    try:
        storable = isinstance(body, dict) and _storable(body)
    except RecursionError:
        storable = False
    if not storable:
        raise refuse(400, texts.STAFF_BAD_JSON)
    assert isinstance(body, dict)
    return body


def _storable(value: Any) -> bool:
    """No NUL and no lone surrogate anywhere: neither database can store them."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def bad_field(field: str, why: str) -> web.HTTPException:
    return refuse(400, texts.STAFF_FIELD_BAD.format(field=field, why=why), field=field)
