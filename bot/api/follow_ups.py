"""回访 (follow-ups) for staff over JSON; the rules are bot.desk.follow_ups', shared with
the console."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object
from bot.api.once import after_commit
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import follow_ups as desk
from bot.desk.follow_up_shapes import FollowUpBody
from bot.desk.ticket_shapes import Ticket, TicketRef
from bot.work import work
from notifications.dispatcher import wake


async def record(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    number = request.match_info["number"]  # as given: one that cannot be a number is no ticket
    done = await desk.record(member, number, partial(json_object, request), work(app))
    # A follow-up that reopens the ticket tells the resident: the push waits in the outbox.
    await after_commit(request, partial(wake, app[keys.REDIS]))
    return respond(done, status=201)


# Before the tickets' own POST /tickets/{number}/{action}, which would take the path.
OPERATIONS = [
    Operation(
        "POST", "/tickets/{number}/follow-up", record,
        "回访 after 办结: how the person was reached, whether it is solved, their "
        "satisfaction; unsolved reopens the ticket (重办) and tells the resident",
        Ticket, status=201, body=FollowUpBody, params=TicketRef, refusals=(403, 409),
        description=roles(*desk.ROLES) + " The resident's own rating in WeChat, when given, "
        "is the follow-up's satisfaction (a different one sent is ignored).",
        same_body_is_retry=True,
    ),
]  # fmt: skip
