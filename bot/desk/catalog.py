"""The service catalog (办事指南) for staff: every item, one item, finding items by area
or by the words people use, and (county admins) correcting an item, checked exactly as a
line of the catalog file is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError

from bot.desk.catalog_shapes import Item, ItemEdit, Items, Units, edit_words
from bot.desk.reading import Words, read
from bot.desk.refused import Refused
from conversations import finder, texts
from storage import catalog
from storage.models import ServiceItem, Unit
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

EDITORS = ("county_admin",)
AREAS = catalog.AREAS  # in the catalog's own order


def may_edit(role: str) -> bool:
    return role in EDITORS


def shown(row: ServiceItem) -> Item:
    return Item.model_validate(catalog.as_spec(row))


async def _all() -> list[ServiceItem]:
    return await ServiceItem.all().select_related("unit").order_by("id")


async def items() -> Items:
    """Every item, retired ones too."""
    return Items(items=[shown(i) for i in await _all()])


async def item(code: str) -> Item:
    found = await catalog.get(code)
    if found is None:
        raise Refused(404, texts.STAFF_ITEM_NOT_FOUND)
    return shown(found)


async def in_area(area: str) -> list[Item]:
    """The items of one area (retired ones too, marked by ``active``), in catalog order."""
    rows = await ServiceItem.filter(area=area).select_related("unit").order_by("id")
    return [shown(i) for i in rows]


async def search(words: str) -> list[Item]:
    """The items ``words`` most likely mean, best first, found the way the bot finds
    them for residents (an item's name or everyday aliases in what was said, or most of
    what was said in order in a name), retired items included."""
    return [shown(i) for i in finder.find(words, await _all())]


async def units() -> Units:
    return Units(units=[u.name for u in await Unit.all().order_by("id")])


async def edit(
    member: StaffMember,
    code: str,
    body: Callable[[], Awaitable[Any]],
    now: datetime,
    words: Words = edit_words,
) -> Item:
    """A county admin's correction: any of the file's fields, or whether residents see
    it. 403 for anyone else, 404 for no such item (before the body is read: the rest only
    the item can tell), 400 naming the field (``field``) in the catalog file's words (or
    the caller's ``words`` for the same errors: the console's name its form's labels)."""
    if not may_edit(member.role):
        raise Refused(403, texts.STAFF_FORBIDDEN_ROLE)
    if await catalog.get(code) is None:
        raise Refused(404, texts.STAFF_ITEM_NOT_FOUND)
    given = read(ItemEdit, await body(), words)
    changes = given.model_dump(exclude_unset=True)
    active: bool | None = changes.pop("active", None)
    try:
        updated = await catalog.update(code, changes, now, active=active)
    except ValidationError as exc:  # what only the whole item can tell (repeated keys)
        message, field = words(exc)
        raise Refused(400, message, field=field) from None
    if updated is None:
        raise Refused(404, texts.STAFF_ITEM_NOT_FOUND)
    log.info("catalog item edited", item=code, staff=member.username, fields=sorted(changes))
    return shown(updated)
