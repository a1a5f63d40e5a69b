"""The service catalog for staff over JSON: read it, and (county admins) correct an item;
the rules are bot.desk.catalog's, shared with the console."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object
from bot.api.inputs import read_path
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import catalog as desk
from bot.desk.catalog_shapes import Item, ItemCode, ItemEdit, Items, Units
from conversations import texts


def _code(request: web.Request) -> str:
    return read_path(request, ItemCode, texts.STAFF_ITEM_NOT_FOUND).code


async def list_items(request: web.Request) -> web.Response:
    await caller(request)
    return respond(await desk.items())


async def show(request: web.Request) -> web.Response:
    await caller(request)
    return respond(await desk.item(_code(request)))


async def edit(request: web.Request) -> web.Response:
    member = await caller(request, *desk.EDITORS)
    body = partial(json_object, request)
    return respond(await desk.edit(member, _code(request), body, request.app[keys.CLOCK]()))


async def units(request: web.Request) -> web.Response:
    await caller(request)
    return respond(await desk.units())


OPERATIONS = [
    Operation(
        "GET", "/catalog", list_items, "The service catalog, each item in the catalog file's shape",
        Items,
    ),
    Operation("GET", "/catalog/{code}", show, "One catalog item", Item, params=ItemCode),
    Operation(
        "PATCH", "/catalog/{code}", edit,
        "Correct an item (county admins): any of the file's fields, or active", Item,
        body=ItemEdit, params=ItemCode, refusals=(403,), description=roles(*desk.EDITORS),
    ),
    Operation("GET", "/units", units, "Responsible units (责任单位), for assign", Units),
]  # fmt: skip
