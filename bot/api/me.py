"""The caller's own staff account: who they are, linking their WeChat, and being on duty
(值班) for urgent grid reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object, refuse
from bot.api.replies import respond
from bot.logs import short_openid
from conversations import texts
from storage import staff
from storage.models import Staff

log = structlog.get_logger(__name__)

LINK_MINUTES = 30


def _shown(row: Staff, township: str | None, unit: str | None) -> dict[str, Any]:
    return {
        "username": row.username,
        "role": row.role,
        "township": township,
        "unit": unit,
        "wechat_linked": row.wechat_openid is not None,
        # Enough to notice a WeChat that is not theirs (a code someone else sent first).
        "wechat": short_openid(row.wechat_openid) if row.wechat_openid else None,
        "on_duty": row.on_duty,
    }


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    row = await Staff.get(id=member.id)
    return respond(_shown(row, member.township, member.unit))


async def wechat_code(request: web.Request) -> web.Response:
    member = await caller(request)
    now = request.app[keys.CLOCK]()
    made = await staff.link_code(member.id, now, timedelta(minutes=LINK_MINUTES))
    log.info("staff link code issued", staff=member.username)
    return respond(
        {
            "code": made.code,
            "expires_at": made.expires_at.isoformat(),
            "how": texts.STAFF_LINK_HOW.format(code=made.code),
        },
        status=201,
    )


async def duty(request: web.Request) -> web.Response:
    member = await caller(request, "township_staff")
    body = await json_object(request)
    value = body.get("on_duty")
    if set(body) != {"on_duty"} or not isinstance(value, bool):
        raise refuse(400, texts.STAFF_FIELD_BAD.format(field="on_duty", why="应为 true 或 false"))
    row = await staff.set_on_duty(member.id, value)
    log.info("staff duty changed", staff=member.username, on_duty=value)
    return respond(_shown(row, member.township, member.unit))
