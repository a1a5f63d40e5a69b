"""The caller's own account: who they are, linking their WeChat, going on duty (值班)
for urgent grid reports, and hearing of every new request too."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

import structlog
from pydantic import Field

from bot.desk.fields import Answer, Says, Shape
from bot.desk.refused import only
from bot.logs import short_openid
from conversations import texts
from storage import staff
from storage.models import Staff
from storage.staff import ROLES, StaffMember

log = structlog.get_logger(__name__)

LINK_MINUTES = 30


_ON_DUTY = Says(texts.STAFF_FIELD_BAD.format(field="on_duty", why=texts.STAFF_WHY_BOOL), True)


class Duty(Shape):
    on_duty: Annotated[bool, _ON_DUTY]


_NOTIFY_NEW = Says(texts.STAFF_FIELD_BAD.format(field="notify_new", why=texts.STAFF_WHY_BOOL), True)


class NewRequests(Shape):
    notify_new: Annotated[bool, _NOTIFY_NEW]


class Account(Answer):
    """The caller's account."""

    username: str
    role: Literal[ROLES]  # type: ignore[valid-type]
    township: str | None
    unit: str | None
    wechat_linked: bool
    wechat: str | None = Field(description="The linked WeChat, shortened")
    on_duty: bool
    notify_new: bool = Field(
        description="While on duty, every new request reaches their WeChat, not only urgent ones"
    )


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
        notify_new=row.notify_new,
    )


async def account(member: StaffMember) -> Account:
    return _shown(await Staff.get(id=member.id), member.township, member.unit)


async def link_code(member: StaffMember, now: datetime) -> LinkCode:
    made = await staff.link_code(member.id, now, timedelta(minutes=LINK_MINUTES))
    log.info("staff link code issued", staff=member.username)
    return LinkCode(
        code=made.code,
        expires_at=made.expires_at,
        how=texts.STAFF_LINK_HOW.format(code=made.code),
    )


async def set_duty(member: StaffMember, on_duty: bool) -> Account:
    """Township staff go on or off duty; anyone else is refused (403)."""
    only(member.role, "township_staff")
    row = await staff.set_on_duty(member.id, on_duty)
    log.info("staff duty changed", staff=member.username, on_duty=on_duty)
    return _shown(row, member.township, member.unit)


async def set_new_requests(member: StaffMember, notify_new: bool) -> Account:
    """Township staff choose to hear of every new request while on duty (403 for others)."""
    only(member.role, "township_staff")
    row = await staff.set_notify_new(member.id, notify_new)
    log.info("staff new-request pushes changed", staff=member.username, notify_new=notify_new)
    return _shown(row, member.township, member.unit)
