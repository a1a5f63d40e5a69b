"""A request read into its declared shape (bot.desk.reading), or a 400 naming the field."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.api.errors import json_object, refuse
from bot.desk.reading import Words, read
from bot.desk.refused import Refused
from conversations import texts

M = TypeVar("M", bound=BaseModel)


async def read_body(request: web.Request, shape: type[M], words: Words | None = None) -> M:
    """The JSON body as ``shape``: a 400 naming the first field that is wrong."""
    body = await json_object(request)
    return _answered(shape, body, words)


def read_query(request: web.Request, shape: type[M]) -> M:
    """The query string as ``shape``; a parameter given twice is refused, not guessed."""
    query = request.query
    for name in query:
        if len(query.getall(name)) > 1:
            shown = name.replace("\x00", "")  # a NUL is never echoed (nor stored)
            raise refuse(
                400,
                texts.STAFF_FIELD_BAD.format(field=shown, why=texts.STAFF_WHY_ONCE),
                field=shown,
            )
    return _answered(shape, dict(query), None)


def read_path(request: web.Request, shape: type[M], not_found: str) -> M:
    """The path's parameters as ``shape``. A value the document rules out names nothing,
    so it is answered like a name that does not exist: 404 with ``not_found``."""
    given = {k: v for k, v in request.match_info.items() if k in shape.model_fields}
    try:
        return shape.model_validate(given)
    except ValidationError:
        raise refuse(404, not_found) from None


def _answered(shape: type[M], data: dict[str, object], words: Words | None) -> M:
    try:
        return read(shape, data, words)
    except Refused as refused:
        raise refuse(refused.status, refused.message, **refused.extra) from None
