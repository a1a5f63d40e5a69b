"""The staff API: JSON under /api/v1, bearer tokens, an OpenAPI document generated from
the same operations and shapes the handlers use."""

from __future__ import annotations

from aiohttp import web

from bot.api import (
    auth,
    catalog,
    exports,
    follow_ups,
    grids,
    holidays,
    me,
    notices,
    openapi,
    reply_templates,
    scoreboard,
    staff_accounts,
    supervision,
    tickets,
)
from bot.api.errors import refuse
from bot.api.once import done_once
from bot.api.routes import Handler, Operation
from bot.desk.refused import Refused

PREFIX = "/api/v1"
OPERATIONS: list[Operation] = [
    *auth.OPERATIONS,
    *notices.OPERATIONS,
    # Before the tickets' POST /tickets/{number}/{action}, which would take their paths.
    *supervision.OPERATIONS,
    *follow_ups.OPERATIONS,
    *tickets.OPERATIONS,
    *catalog.OPERATIONS,
    *grids.OPERATIONS,
    *me.OPERATIONS,
    *staff_accounts.OPERATIONS,
    *reply_templates.OPERATIONS,
    *holidays.OPERATIONS,
    *scoreboard.OPERATIONS,
    *exports.OPERATIONS,
]


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{PREFIX}/openapi.json", openapi.handler(OPERATIONS))
    for op in OPERATIONS:
        changes = op.method in ("POST", "PUT", "PATCH", "DELETE") and op.login
        handler = _answering(op.handler)
        if changes:
            handler = done_once(handler, op.same_body_is_retry, op.shown_once)
        r.add_route(op.method, PREFIX + op.path, handler)


def _answering(handler: Handler) -> Handler:
    """A staff operation's refusal answered as the API's JSON refusal."""

    async def answering(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Refused as refused:
            raise refuse(refused.status, refused.message, **refused.extra) from None

    return answering
