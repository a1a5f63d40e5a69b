"""办事指南: the service catalog by area or by the words people use (found as the bot finds
items for residents), each item's materials, steps, time limit, unit, 代办 and 上门; and for
county admins a form correcting an item, checked exactly as the API's correction is."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError

from bot import keys
from bot.console.pages import Handler, refused_page, render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import catalog as desk
from bot.desk.catalog_shapes import LONGEST, TIME_LIMIT, CatalogQuery, Item, ItemCode, edit_words
from bot.desk.reading import read
from bot.desk.refused import Refused
from conversations import texts

PREFIX = "/console/catalog"
WORDS = texts.CONSOLE | texts.CONSOLE_CATALOG
assert not texts.CONSOLE.keys() & texts.CONSOLE_CATALOG.keys(), "a catalog word hides a console one"

# The form's fields, as the correction's names (bot.desk.catalog_shapes.ItemEdit).
_TEXTS = ("name", "area", "summary", "eligibility", "unit", "where")
_LISTS = ("aliases", "materials", "steps")
_CHECKS = ("proxy", "home_visit", "active")
FIELDS = (*_TEXTS, *_LISTS, "time_limit_days", *_CHECKS)
assert all(f"item_{name}" in WORDS for name in FIELDS), "a field of the form without its label"


def routes() -> list[tuple[str, str, Handler]]:
    return [
        ("GET", PREFIX, index),
        ("GET", f"{PREFIX}/{{code}}", show),
        ("GET", f"{PREFIX}/{{code}}/edit", edit_page),
        ("POST", f"{PREFIX}/{{code}}/edit", edit),
    ]


def _page(request: web.Request, template: str, visit: Visit, **context: Any) -> web.Response:
    return render(request, template, visit, w=WORDS, **context)


async def index(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    given = {k: v for k, v in request.query.items() if k in ("q", "area") and v.strip()}
    error, status = "", 200
    try:
        query = read(CatalogQuery, given)
    except Refused as refused:  # a tampered address: said, and everything listed
        error, status, query = refused.message, refused.status, CatalogQuery()
    words = (query.q or "").strip()
    if words:
        found = await desk.search(words)
        heading = WORDS["catalog_found" if found else "catalog_found_none"].format(words=words)
    elif query.area is not None:
        found = await desk.in_area(query.area)
        heading = WORDS["catalog_area_items"].format(area=query.area)
    else:
        found, heading = (await desk.items()).items, WORDS["catalog_pick"]
    return _page(
        request,
        "catalog.html",
        visit,
        status=status,
        error=error,
        items=found,
        heading=heading,
        areas=desk.AREAS,
        area=query.area or "",
        q=given.get("q", ""),
    )


async def _item(request: web.Request, visit: Visit) -> Item:
    """The address's item, or the 404 page."""
    try:
        code = ItemCode.model_validate({"code": request.match_info["code"]}).code
        return await desk.item(code)
    except (ValidationError, Refused):
        raise await refused_page(request, 404, WORDS["catalog_not_found"], visit) from None


async def show(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    item = await _item(request, visit)
    said = WORDS["edit_saved"] if request.query.get("done") == "saved" else ""
    return _page(
        request,
        "item.html",
        visit,
        item=item,
        may_edit=desk.may_edit(visit.member.role),
        messages=(said,) if said else (),
    )


async def edit_page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    if not desk.may_edit(visit.member.role):
        raise await refused_page(request, 403, texts.CONSOLE["forbidden"], visit)
    item = await _item(request, visit)
    return await _form(request, visit, item, _typed_from(item))


async def _form(
    request: web.Request,
    visit: Visit,
    item: Item,
    typed: dict[str, Any],
    *,
    error: str = "",
    field: str = "",
    status: int = 200,
) -> web.Response:
    return _page(
        request,
        "item_edit.html",
        visit,
        status=status,
        item=item,
        typed=typed,
        error=error,
        field=field,
        areas=desk.AREAS,
        units=(await desk.units()).units,
        longest=LONGEST,
        days=TIME_LIMIT,
    )


def _typed_from(item: Item) -> dict[str, Any]:
    """The form filled with the item as it is."""
    shown = item.model_dump()
    typed: dict[str, Any] = {name: shown[name] for name in (*_TEXTS, *_CHECKS)}
    typed |= {name: "\n".join(shown[name]) for name in _LISTS}
    typed["time_limit_days"] = str(item.time_limit_days)
    return typed


def _typed(form: MultiDictProxy[str]) -> dict[str, Any]:
    """The form as typed, to show again if something must be corrected."""
    typed: dict[str, Any] = {name: form.get(name, "") for name in (*_TEXTS, *_LISTS)}
    typed["time_limit_days"] = form.get("time_limit_days", "")
    typed |= {name: name in form for name in _CHECKS}
    return typed


def _body(typed: dict[str, Any]) -> dict[str, Any]:
    """The correction the form asks for, in the API's shape: a list one line per entry,
    a whole number as one, a ticked box as true."""
    body: dict[str, Any] = {name: str(typed[name]).strip() for name in _TEXTS}
    for name in _LISTS:
        body[name] = [line.strip() for line in str(typed[name]).splitlines() if line.strip()]
    days = str(typed["time_limit_days"]).strip()
    body["time_limit_days"] = (
        int(days) if days.isascii() and days.isdigit() and len(days) < 6 else days
    )
    body |= {name: bool(typed[name]) for name in _CHECKS}
    return body


async def edit(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    if not desk.may_edit(visit.member.role):  # said before anything of the item is read
        raise await refused_page(request, 403, texts.CONSOLE["forbidden"], visit)
    item = await _item(request, visit)
    typed = _typed(form)
    body = _body(typed)

    async def given() -> dict[str, Any]:
        return body

    try:
        await desk.edit(visit.member, item.code, given, request.app[keys.CLOCK](), _said)
    except Refused as refused:
        if refused.status != 400:
            raise await refused_page(request, refused.status, refused.message, visit) from None
        field = str(refused.extra.get("field", ""))
        return await _form(
            request, visit, item, typed, error=refused.message, field=field, status=400
        )
    raise web.HTTPSeeOther(f"{PREFIX}/{item.code}?done=saved")


def _said(error: ValidationError) -> tuple[str, str]:
    """The first problem in the form's own words, naming the field by its label; what
    the form cannot say better, in the catalog file's words."""
    first = error.errors(include_url=False)[0]
    loc = first["loc"]
    field = str(loc[0]) if loc else ""
    if field not in FIELDS:
        return edit_words(error)
    label = WORDS[f"item_{field}"]
    kind, ctx = first["type"], first.get("ctx", {})
    if kind in ("string_too_short", "missing") or (kind == "too_short" and field not in _LISTS):
        return WORDS["why_empty"].format(label=label), field
    if kind == "string_too_long":
        return WORDS["why_too_long"].format(label=label, limit=ctx.get("max_length")), field
    if kind == "too_short":
        return WORDS["why_too_few"].format(label=label, limit=ctx.get("min_length")), field
    if kind == "too_long":
        return WORDS["why_too_many"].format(label=label, limit=ctx.get("max_length")), field
    if field == "time_limit_days":
        low, high = TIME_LIMIT
        return WORDS["why_number"].format(label=label, low=low, high=high), field
    if kind == "literal_error":
        return WORDS["why_choice"].format(label=label), field
    return edit_words(error)
