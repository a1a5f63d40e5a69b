"""The kinds of value the staff API accepts, declared once for both validation and the
OpenAPI document, and the words a field's refusal uses (read by bot.api.inputs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from tortoise.fields import CharField
from tortoise.models import Model

from conversations import texts

# Every character str.isspace() takes for a blank: what "strip" removes, spelled out so
# the document's patterns and the handlers agree on what an empty answer is.
BLANKS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_BLANK_CLASS = "".join(f"\\u{ord(c):04x}" for c in BLANKS)
# Neither database stores NUL, so no string the API takes may hold one.
NO_NUL = "^[^\\u0000]*$"
# Something besides blanks (and no NUL).
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{_BLANK_CLASS}][^\\u0000]*$"
# A web address: http(s), no blanks.
URL = f"^https?://[^\\u0000{_BLANK_CLASS}]+$"
ID_MAX = 2**63 - 1  # both databases' bigint
SMALL_ID_MAX = 2**31 - 1  # an int column


@dataclass(frozen=True)
class Says:
    """The whole sentence a refusal of this field says (when it is given but wrong; also
    when it is missing if ``missing``)."""

    message: str
    missing: bool = False


@dataclass(frozen=True)
class Why:
    """Why this field's value is wrong, for ``STAFF_FIELD_BAD``."""

    why: str


class Shape(BaseModel):
    """A request shape: strict JSON types, no fields besides the declared ones."""

    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class QueryShape(BaseModel):
    """A query string's shape: values arrive as text, so numbers are read from it."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re", populate_by_name=True)


class Answer(BaseModel):
    """A response shape (what the API sends back)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


def _strip(value: str) -> str:
    return value.strip(BLANKS)


def _strip_maybe(value: str | None) -> str | None:
    return None if value is None else value.strip(BLANKS)


# Words someone wrote: after the type, ``words(limit)`` (required: not blank) or
# ``maybe_words(limit)`` (may be left out, null or empty), then STRIP or STRIP_MAYBE.
STRIP = AfterValidator(_strip)
STRIP_MAYBE = AfterValidator(_strip_maybe)


def column_max(model: type[Model], field: str) -> int:
    """The longest value ``model.field`` holds: what a value compared with or written to
    that column may be, so that a longer one is refused by name where it enters rather
    than failing in the database."""
    column = model._meta.fields_map[field]
    assert isinstance(column, CharField), f"{model.__name__}.{field} is not a CharField"
    return int(column.max_length)


def filter_of(limit: int) -> Any:
    """An optional query value compared with a column that holds at most ``limit``."""
    return Field(max_length=limit, pattern=NO_NUL)


def words(limit: int) -> Any:
    return Field(min_length=1, max_length=limit, pattern=NOT_BLANK)


def maybe_words(limit: int) -> Any:
    return Field(max_length=limit, pattern=NO_NUL)


_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError("not a date")
    return date.fromisoformat(value)


# A calendar day, YYYY-MM-DD exactly (date.fromisoformat alone takes 20261127 and weeks).
# Its refusal says Why(texts.STAFF_WHY_DATE), declared by the field that uses it.
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]


def _digits(value: Any) -> Any:
    # Digits only: int() also takes "+5", " 5", "1_0" and other scripts' digits.
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]{1,20}", value):
        raise ValueError("not an integer")
    return value


# A whole number read from text (a query string or a path): after the type, then bounds.
DIGITS = BeforeValidator(_digits)

# Keyset pages of a list, newest first: how many rows, and where the page starts.
PAGE_LIMIT = Annotated[
    Annotated[int, Field(ge=1, le=100), DIGITS] | None,
    Field(description="Rows in a page ([tickets] page_size if not given)"),
    Why(texts.STAFF_WHY_COUNT),
]
BEFORE = Annotated[
    Annotated[int, Field(ge=1, le=ID_MAX), DIGITS] | None,
    Field(description="The previous page's `next`"),
    Why(texts.STAFF_WHY_WHOLE),
]


def _whole(value: Any) -> Any:
    # JSON has one kind of number: 60.0 is the whole number 60 (JSON Schema says so too).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number in a JSON body, written 60 or 60.0: after the type.
WHOLE = BeforeValidator(_whole)
