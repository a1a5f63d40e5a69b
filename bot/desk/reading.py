"""Input read into its declared shape, or refused in plain words naming the field.

The one place pydantic's errors become the staff's sentences (conversations.texts), for
a JSON body, a query string and a console form alike. A rejected value is never put in a
log line or echoed beyond what the words say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.desk.fields import NOT_BLANK, Says, Why
from bot.desk.refused import Refused
from conversations import texts

M = TypeVar("M", bound=BaseModel)
# Words of one module's own (the catalog file's): the errors to a sentence and its field.
Words = Callable[[ValidationError], tuple[str, str]]

_TAGS = "union_tag_invalid", "union_tag_not_found"


def read(shape: type[M], data: Any, words: Words | None = None) -> M:
    """``data`` as ``shape``, or ``Refused`` (400) naming the first field that is wrong."""
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        raise refusal(shape, exc, words) from None


def refusal(shape: type[BaseModel], error: ValidationError, words: Words | None = None) -> Refused:
    """The 400 for ``error``: unknown fields first (all of them), then the first other
    problem, in the words its field declares or the common ones."""
    errors = error.errors(include_url=False, include_input=True)
    unknown = sorted({str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden"})
    if unknown:
        return Refused(400, texts.STAFF_UNKNOWN_FIELDS.format(fields="、".join(unknown)))
    first = errors[0]
    if words is not None:
        message, field = words(error)
        return Refused(400, message, field=field)
    model, loc = shape, list(first["loc"])
    members = _union_members(shape)
    if first["type"] in _TAGS:  # a union told apart by one field (a notice's scope)
        field = str(first["ctx"]["discriminator"]).strip("'")
        return Refused(400, _sentence(next(iter(members.values())), field, first), field=field)
    if members:  # pydantic puts the union member's tag first
        model = members.get(str(loc.pop(0)), shape) if loc else shape
    model, loc = _inner(model, loc)
    field = str(loc[0]) if loc else ""
    return Refused(400, _sentence(model, field, first), field=field)


def _inner(model: type[BaseModel], loc: list[Any]) -> tuple[type[BaseModel], list[Any]]:
    """Into a list of shapes (a year's days): the shape and field an error is about, so
    that its own words name it (days.3.kind is told as kind)."""
    while len(loc) > 1 and isinstance(loc[0], str) and loc[0] in model.model_fields:
        annotation = model.model_fields[loc[0]].annotation
        inner = [
            a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not inner:
            break
        rest = loc[1:]
        while rest and isinstance(rest[0], int):  # the item's place in the list
            rest = rest[1:]
        if not rest:
            break
        model, loc = inner[0], rest
    return model, loc


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
