"""Answers as JSON, with Chinese as Chinese (staff read them with curl too)."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def respond(body: BaseModel | dict[str, Any], status: int = 200) -> web.Response:
    """``body`` as JSON: a response shape as the document declares it, or a plain dict."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json", by_alias=True)
    return web.json_response(body, status=status, dumps=_dumps)
