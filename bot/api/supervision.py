"""督办单 (supervision orders) for staff over JSON: issue one on a ticket, list and read
them, answer (反馈) and close (销号); the rules are bot.desk.supervision', shared with the
console."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object
from bot.api.inputs import read_path, read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import supervision as desk
from bot.desk.supervision_shapes import (
    Order,
    OrderAnswer,
    OrderClose,
    OrderList,
    OrderQuery,
    OrderRef,
    Supervise,
)
from bot.desk.ticket_shapes import TicketRef
from conversations import texts
from storage.clock import local_day


def _id(request: web.Request) -> int:
    return read_path(request, OrderRef, texts.STAFF_ORDER_NOT_FOUND).id


async def issue(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    number = request.match_info["number"]  # as given: one that cannot be a number is no ticket
    order = await desk.issue(
        member,
        number,
        partial(json_object, request),
        now=app[keys.CLOCK](),
        calendar=app[keys.WORK_CALENDAR],
        answer_days=app[keys.SETTINGS].supervision.answer_days,
    )
    return respond(order, status=201)


async def list_orders(request: web.Request) -> web.Response:
    member = await caller(request)
    query = read_query(request, OrderQuery)
    app = request.app
    today = local_day(app[keys.CLOCK]())
    size = app[keys.SETTINGS].tickets.page_size
    return respond(await desk.page(member, query, today=today, page_size=size))


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    today = local_day(request.app[keys.CLOCK]())
    return respond(await desk.show(member, _id(request), today))


async def answer(request: web.Request) -> web.Response:
    member = await caller(request)
    given = partial(json_object, request)
    return respond(await desk.answer(member, _id(request), given, request.app[keys.CLOCK]()))


async def close(request: web.Request) -> web.Response:
    member = await caller(request)
    given = partial(json_object, request)
    return respond(await desk.close(member, _id(request), given, request.app[keys.CLOCK]()))


_ANSWERERS = (
    "Roles: department_handler (orders to their unit), township_staff (orders to their "
    "township's service centre), county_admin."
)
# Before the tickets' own POST /tickets/{number}/{action}, which would take the path.
OPERATIONS = [
    Operation(
        "POST", "/tickets/{number}/supervise", issue,
        "督办: order the unit working the ticket to answer (反馈) by a date; each step is "
        "also in the ticket's timeline",
        Order, status=201, body=Supervise, params=TicketRef, refusals=(403, 409),
        description=roles(*desk.SUPERVISORS) + " Not on a ticket rejected or withdrawn.",
        same_body_is_retry=True,
    ),
    Operation(
        "GET", "/supervision", list_orders,
        "督办单 within the caller's jurisdiction (a unit's: those to it), newest first",
        OrderList, query=OrderQuery,
    ),
    Operation(
        "GET", "/supervision/{id}", show, "A 督办单 with its answer and 销号", Order,
        params=OrderRef,
    ),
    Operation(
        "POST", "/supervision/{id}/answer", answer, "反馈: the unit's answer, while it is open",
        Order, body=OrderAnswer, params=OrderRef, refusals=(403, 409),
        description=_ANSWERERS, same_body_is_retry=True,
    ),
    Operation(
        "POST", "/supervision/{id}/close", close, "销号: accept the unit's answer",
        Order, body=OrderClose, params=OrderRef, refusals=(403, 409),
        description=roles(*desk.SUPERVISORS), same_body_is_retry=True,
    ),
]  # fmt: skip
