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
        429: web.HTTPTooManyRequests,
    }[status]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    refusal: web.HTTPException = cls(text=body, content_type="application/json", headers=headers)
    return refusal


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying it is not one."""
    try:
        body = await request.json(loads=json.loads)
    except (ValueError, UnicodeDecodeError):
        raise refuse(400, texts.STAFF_BAD_JSON) from None
    if not isinstance(body, dict):
        raise refuse(400, texts.STAFF_BAD_JSON)
    return body
