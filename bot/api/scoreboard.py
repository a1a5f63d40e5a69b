"""The scoreboard (考核) for staff over JSON; the rules are bot.desk.scoreboard's, shared
with the console."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import scoreboard as desk
from bot.desk.scoreboard_shapes import Scoreboard, ScoreboardQuery
from bot.work import scoreboard_rules
from storage.clock import local_day
from storage.staff import ROLES


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    query = read_query(request, ScoreboardQuery)
    app = request.app
    today = local_day(app[keys.CLOCK]())
    return respond(await desk.board(member, query, today, scoreboard_rules(app)))


OPERATIONS = [
    Operation(
        "GET", "/scoreboard", show,
        "The scoreboard (考核) of a period within the caller's jurisdiction: each township, "
        "unit or handler's figures, ranked (under [supervision] min_sample accepted: listed, "
        "not ranked), the total, the weekly series, and what each figure means",
        Scoreboard, query=ScoreboardQuery,
        description=roles(*ROLES) + " County admins and county-wide supervisors see the "
        "county; a township's staff and supervisors their township; a department's handlers "
        "their unit. A period is at most 400 days, in 2000-2100.",
    ),
]  # fmt: skip
