"""Tickets (工单) for staff over JSON: the queue, a ticket, its actions and its files; the
rules are bot.desk.tickets', shared with the console."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object
from bot.api.inputs import read_path, read_query
from bot.api.once import after_commit
from bot.api.responses import respond
from bot.api.routes import Operation, Variant, roles
from bot.desk import tickets as desk
from bot.desk.ticket_shapes import (
    BODIES,
    Acted,
    FileRef,
    Ticket,
    TicketList,
    TicketQuery,
    TicketRef,
)
from bot.work import work
from conversations import texts
from notifications.dispatcher import wake
from storage.clock import local_day

_ABOUT: dict[str, str] = {
    "accept": "受理 (首问负责: records who); starts the time limit in working days",
    "reject": "不予受理, with the reason the resident is told",
    "assign": "Route to a responsible unit (and optionally one of its handlers)",
    "return": "退单: a department hands it back to the township with a reason",
    "request-extension": "延期: ask for more working days, with a reason",
    "approve-extension": "A supervisor approves the waiting extension; the resident is told",
    "reply": "A reply the resident receives",
    "resolve": "办结, with the result the resident receives and is asked to rate",
    "reopen": "重办: back to work, with a reason, flagged for the supervisor",
}
ACTIONS = {
    action: Variant(
        f"{texts.TICKET_ACTIONS[action]}: {_ABOUT[action]}",
        body,
        roles(*sorted(desk.ACTION_ROLES[action])),
    )
    for action, body in BODIES.items()
}


async def list_tickets(request: web.Request) -> web.Response:
    member = await caller(request)
    query = read_query(request, TicketQuery)
    app = request.app
    today = local_day(app[keys.CLOCK]())
    size = app[keys.SETTINGS].tickets.page_size
    deadlines = app[keys.DEADLINES]
    return respond(await desk.page(member, query, today=today, deadlines=deadlines, page_size=size))


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    ref = read_path(request, TicketRef, texts.STAFF_TICKET_NOT_FOUND)
    ticket = await desk.find(member, ref.number)
    app = request.app
    return respond(await desk.detail(member, ticket, app[keys.CLOCK](), app[keys.DEADLINES]))


async def act(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    # The number as given: one that cannot be a number is no ticket (404), as in show.
    number, action = request.match_info["number"], request.match_info["action"]
    done = await desk.act(member, number, action, partial(json_object, request), work(app))
    await after_commit(request, partial(wake, app[keys.REDIS]))
    return respond(done)


async def attachment(request: web.Request) -> web.Response:
    """A stored photo or voice note, for staff who may see the ticket."""
    member = await caller(request)
    ref = read_path(request, FileRef, texts.STAFF_FILE_NOT_FOUND)
    content, kind = await desk.stored_file(
        member, ref.number, ref.file, request.app[keys.MEDIA_STORE]
    )
    return web.Response(body=content, content_type=kind)


OPERATIONS = [
    Operation(
        "GET", "/tickets", list_tickets,
        "Tickets within the caller's jurisdiction, newest first; contacts masked",
        TicketList, query=TicketQuery,
    ),
    Operation(
        "GET", "/tickets/{number}", show,
        "A ticket with its timeline, attachments and rating; the contact shown whole "
        "(and the view audited) only to those who may act on it",
        Ticket, params=TicketRef,
    ),
    Operation(
        "POST", "/tickets/{number}/{action}", act, "", Acted, params=TicketRef,
        refusals=(403, 409), variants=ACTIONS, same_body_is_retry=True,
    ),
    Operation(
        "GET", "/tickets/{number}/attachments/{file}", attachment,
        "A report's photo or voice note as fetched from WeChat (see attachments[].file)",
        None, params=FileRef,
    ),
]  # fmt: skip
