"""The caller's own staff account: who they are, linking their WeChat, and being on duty
(值班) for urgent grid reports."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_body
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import me
from bot.desk.me import Account, Duty, LinkCode, NewRequests


async def show(request: web.Request) -> web.Response:
    return respond(await me.account(await caller(request)))


async def wechat_code(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await me.link_code(member, request.app[keys.CLOCK]()), status=201)


async def duty(request: web.Request) -> web.Response:
    member = await caller(request, "township_staff")
    value = (await read_body(request, Duty)).on_duty
    return respond(await me.set_duty(member, value))


async def new_requests(request: web.Request) -> web.Response:
    member = await caller(request, "township_staff")
    value = (await read_body(request, NewRequests)).notify_new
    return respond(await me.set_new_requests(member, value))


OPERATIONS = [
    Operation(
        "GET", "/staff/me", show, "Who the caller is: role, jurisdiction, WeChat linked, on duty",
        Account,
    ),
    Operation(
        "POST", "/staff/me/wechat", wechat_code,
        "A code (30 minutes) to send as “绑定 <code>” from the caller's own WeChat, so urgent "
        "grid reports reach them there",
        LinkCode, status=201,
    ),
    Operation(
        "PUT", "/staff/me/duty", duty,
        "Go on or off duty (值班): township staff on duty hear of urgent reports",
        Account, body=Duty, refusals=(403,), description=roles("township_staff"),
    ),
    Operation(
        "PUT", "/staff/me/new-requests", new_requests,
        "Hear of every new request while on duty, not only urgent grid reports (a switch)",
        Account, body=NewRequests, refusals=(403,), description=roles("township_staff"),
    ),
]  # fmt: skip
