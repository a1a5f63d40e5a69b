"""The caller's own staff account: who they are, linking their WeChat, and being on duty
(值班) for urgent grid reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

import structlog
from aiohttp import web
from pydantic import Field

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_body
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk.fields import Answer, Says, Shape
from bot.logs import short_openid
from conversations import texts
from storage import staff
from storage.models import Staff
from storage.staff import ROLES

log = structlog.get_logger(__name__)

LINK_MINUTES = 30


_ON_DUTY = Says(texts.STAFF_FIELD_BAD.format(field="on_duty", why=texts.STAFF_WHY_BOOL), True)


class Duty(Shape):
    on_duty: Annotated[bool, _ON_DUTY]


class Account(Answer):
    """The caller's account."""

    username: str
    role: Literal[ROLES]  # type: ignore[valid-type]
    township: str | None
    unit: str | None
    wechat_linked: bool
    wechat: str | None = Field(description="The linked WeChat, shortened")
    on_duty: bool


class LinkCode(Answer):
    """A code to send from the caller's own WeChat."""

    code: str
    expires_at: datetime
    how: str


def _shown(row: Staff, township: str | None, unit: str | None) -> Account:
    return Account(
        username=row.username,
        role=row.role,
        township=township,
        unit=unit,
        wechat_linked=row.wechat_openid is not None,
        # Enough to notice a WeChat that is not theirs (a code someone else sent first).
        wechat=short_openid(row.wechat_openid) if row.wechat_openid else None,
        on_duty=row.on_duty,
    )


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
        LinkCode(
            code=made.code,
            expires_at=made.expires_at,
            how=texts.STAFF_LINK_HOW.format(code=made.code),
        ),
        status=201,
    )


async def duty(request: web.Request) -> web.Response:
    member = await caller(request, "township_staff")
    value = (await read_body(request, Duty)).on_duty
    row = await staff.set_on_duty(member.id, value)
    log.info("staff duty changed", staff=member.username, on_duty=value)
    return respond(_shown(row, member.township, member.unit))


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
]  # fmt: skip
