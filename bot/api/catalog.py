"""The service catalog for staff: read it, and (county admins) correct an item."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import ValidationError

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object, only_fields, refuse
from bot.api.replies import respond
from conversations import texts
from storage import catalog
from storage.models import ServiceItem, Unit

log = structlog.get_logger(__name__)

EDITORS = ("county_admin",)
EDITABLE = set(catalog.ItemSpec.model_fields) - {"code"} | {"active"}


async def list_items(request: web.Request) -> web.Response:
    await caller(request)
    items = await ServiceItem.all().select_related("unit").order_by("id")
    return respond({"items": [catalog.as_spec(i) for i in items]})


async def show(request: web.Request) -> web.Response:
    await caller(request)
    item = await catalog.get(request.match_info["code"])
    if item is None:
        raise refuse(404, texts.STAFF_ITEM_NOT_FOUND)
    return respond(catalog.as_spec(item))


async def edit(request: web.Request) -> web.Response:
    member = await caller(request, *EDITORS)
    body = await json_object(request)
    only_fields(body, EDITABLE)
    active = body.pop("active", None)
    if active is not None and not isinstance(active, bool):
        raise refuse(400, texts.STAFF_FIELD_BAD.format(field="active", why="应为 true 或 false"))
    code = request.match_info["code"]
    try:
        item = await catalog.update(code, body, request.app[keys.CLOCK](), active=active)
    except ValidationError as exc:
        problem = catalog.problems(0, exc)[0]
        words = (
            texts.CATALOG_PROBLEMS[problem.kind]
            .format(line=0, field=problem.field, detail=problem.detail)
            .removeprefix("第0行")
        )
        raise refuse(400, words, field=problem.field) from None
    if item is None:
        raise refuse(404, texts.STAFF_ITEM_NOT_FOUND)
    log.info("catalog item edited", item=code, staff=member.username, fields=sorted(body))
    return respond(catalog.as_spec(item))


async def units(request: web.Request) -> web.Response:
    await caller(request)
    return respond({"units": [u.name for u in await Unit.all().order_by("id")]})
