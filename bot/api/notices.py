"""Notices (政务公开) for staff over JSON: draft, publish, retract, resend, and see who was
reached; the rules are bot.desk.notices', shared with the console."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object
from bot.api.inputs import read_path, read_query
from bot.api.once import after_commit
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import notices as desk
from bot.desk.notice_shapes import (
    Notice,
    NoticeList,
    NoticeQuery,
    NoticeRef,
    Report,
    draft_shape,
)
from bot.desk.notices import WRITERS
from conversations import texts
from notifications.dispatcher import wake


def _id(request: web.Request) -> int:
    return read_path(request, NoticeRef, texts.STAFF_NOTICE_NOT_FOUND).id


async def create(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    now = app[keys.CLOCK]()
    given = await json_object(request)
    notice = await desk.create(member, given, draft_shape(app[keys.SETTINGS]), now)
    return respond(notice, status=201)


async def list_notices(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await desk.page(member, read_query(request, NoticeQuery)))


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await desk.show(member, _id(request)))


async def publish(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    notice = await desk.publish(member, _id(request), app[keys.CLOCK]())
    app[keys.FANOUT].poke()
    return respond(notice)


async def retract(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await desk.retract(member, _id(request), request.app[keys.CLOCK]()))


async def resend(request: web.Request) -> web.Response:
    """Dead and unknown deliveries go out again (after staff fixed the cause)."""
    member = await caller(request)
    app = request.app
    notice = await desk.resend(member, _id(request), app[keys.CLOCK]())
    await after_commit(request, partial(wake, app[keys.REDIS]))
    return respond(notice)


async def report(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await desk.report(member, _id(request)))


_WRITERS = roles(*WRITERS) + " Township staff only in their own township."
OPERATIONS = [
    Operation(
        "GET", "/notices", list_notices, "Notices within the caller's jurisdiction, newest first",
        NoticeList, query=NoticeQuery,
    ),
    Operation(
        "POST", "/notices", create, "Draft a notice", Notice, status=201, body=draft_shape,
        refusals=(403,), description=_WRITERS,
    ),
    Operation(
        "GET", "/notices/{id}", show, "A notice with its delivery counts and failures", Notice,
        params=NoticeRef,
    ),
    Operation(
        "POST", "/notices/{id}/publish", publish,
        "Publish a draft and send it to every household in scope that asked for its area "
        "(everyone in scope for 应急预警); at its scheduled time if it has one",
        Notice, params=NoticeRef, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "POST", "/notices/{id}/retract", retract,
        "Retract a published notice: what has not been sent yet is not sent",
        Notice, params=NoticeRef, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "POST", "/notices/{id}/resend", resend,
        "Send the dead and unknown deliveries again (after fixing the cause)",
        Notice, params=NoticeRef, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "GET", "/notices/{id}/report", report,
        "The delivery report: households reached by channel, and why the rest were not",
        Report, params=NoticeRef,
    ),
]  # fmt: skip
