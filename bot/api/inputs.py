"""A request read into its declared shape, or refused in plain words naming the field.

The one place pydantic's errors become the staff API's sentences (conversations.texts).
A rejected value is never put in a log line or echoed beyond what the words say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_args

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.api.errors import json_object, refuse
from bot.api.fields import NOT_BLANK, Says, Why
from conversations import texts

M = TypeVar("M", bound=BaseModel)
# Words of one module's own (the catalog file's): the errors to a sentence and its field.
Words = Callable[[ValidationError], tuple[str, str]]

_TAGS = "union_tag_invalid", "union_tag_not_found"


async def read_body(request: web.Request, shape: type[M], words: Words | None = None) -> M:
    """The JSON body as ``shape``: a 400 naming the first field that is wrong."""
    body = await json_object(request)
    return _read(shape, body, words)


def read_query(request: web.Request, shape: type[M]) -> M:
    """The query string as ``shape``; a parameter given twice is refused, not guessed."""
    query = request.query
    for name in query:
        if len(query.getall(name)) > 1:
            raise refuse(
                400, texts.STAFF_FIELD_BAD.format(field=name, why=texts.STAFF_WHY_ONCE), field=name
            )
    return _read(shape, dict(query), None)


def read_path(request: web.Request, shape: type[M], not_found: str) -> M:
    """The path's parameters as ``shape``. A value the document rules out names nothing,
    so it is answered like a name that does not exist: 404 with ``not_found``."""
    given = {k: v for k, v in request.match_info.items() if k in shape.model_fields}
    try:
        return shape.model_validate(given)
    except ValidationError:
        raise refuse(404, not_found) from None


def _read(shape: type[M], data: dict[str, Any], words: Words | None) -> M:
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        raise refusal(shape, exc, words) from None


def refusal(
    shape: type[BaseModel], error: ValidationError, words: Words | None = None
) -> web.HTTPException:
    """The 400 for ``error``: unknown fields first (all of them), then the first other
    problem, in the words its field declares or the common ones."""
    errors = error.errors(include_url=False, include_input=True)
    unknown = sorted({str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden"})
    if unknown:
        return refuse(400, texts.STAFF_UNKNOWN_FIELDS.format(fields="、".join(unknown)))
    first = errors[0]
    if words is not None:
        message, field = words(error)
        return refuse(400, message, field=field)
    model, loc = shape, list(first["loc"])
    members = _union_members(shape)
    if first["type"] in _TAGS:  # a union told apart by one field (a notice's scope)
        field = str(first["ctx"]["discriminator"]).strip("'")
        return refuse(400, _sentence(next(iter(members.values())), field, first), field=field)
    if members:  # pydantic puts the union member's tag first
        model = members.get(str(loc.pop(0)), shape) if loc else shape
    field = str(loc[0]) if loc else ""
    return refuse(400, _sentence(model, field, first), field=field)


def _sentence(model: type[BaseModel], field: str, error: ErrorDetails) -> str:
    kind = error["type"]
    declared = _metadata(model, field)
    says = next((m for m in declared if isinstance(m, Says)), None)
    if kind == "missing":
        if says is not None and says.missing:
            return says.message
        return texts.STAFF_FIELD_REQUIRED.format(field=field)
    if isinstance(error.get("input"), str) and "\x00" in error["input"]:
        return texts.STAFF_FIELD_BAD.format(field=field, why=texts.STAFF_WHY_NUL)
    if says is not None:
        return says.message
    ctx = error.get("ctx", {})
    if kind == "string_too_long":
        return texts.STAFF_FIELD_TOO_LONG.format(field=field, limit=ctx.get("max_length"))
    if kind == "string_too_short" or (
        kind == "string_pattern_mismatch" and ctx.get("pattern") == NOT_BLANK
    ):
        return texts.STAFF_FIELD_EMPTY.format(field=field)
    why = next((m.why for m in declared if isinstance(m, Why)), None)
    if why is None:
        why = texts.STAFF_WHY_TEXT if kind == "string_type" else texts.STAFF_WHY_FORM
    return texts.STAFF_FIELD_BAD.format(field=field, why=why)


def _metadata(model: type[BaseModel], field: str) -> list[Any]:
    """What a field of ``model`` declares beside its type: Says, Why, constraints."""
    for name, info in model.model_fields.items():
        if field in (name, info.alias):
            return list(info.metadata)
    return []


def _union_members(shape: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """A root shape that is a union told apart by a tag: its members by tag value."""
    root = shape.model_fields.get("root")
    if root is None or not isinstance(root.discriminator, str):
        return {}
    members: dict[str, type[BaseModel]] = {}
    for arg in get_args(root.annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            for tag in get_args(arg.model_fields[root.discriminator].annotation):
                members[str(tag)] = arg
    return members
