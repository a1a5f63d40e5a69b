"""Binding with a one-time code: "绑定 123456" makes a grid worker of a resident, and
"绑定 12345678" links a staff member's WeChat (for urgent alerts while on duty). Said from
anywhere, or scanned as a QR code; not a flow, so the engine asks conversations.flows.home."""

from __future__ import annotations

import re

from conversations import texts
from conversations.services import Services
from storage.grids import Redeemed
from storage.staff import LINK_DIGITS

_BIND = re.compile(r"^\s*绑定\s*[:：]?\s*(\d{6}|\d{8})\s*$")


def code_in(text: str | None) -> str | None:
    """The code in "绑定 123456" (typed or said)."""
    match = _BIND.match(text or "")
    return match[1] if match else None


async def bind(services: Services, appid: str, openid: str, code: str) -> str:
    """What to say after trying a binding code; wrong guesses are rationed per person."""
    guard = services.guesses
    if not await guard.allowed(appid, openid):
        return texts.BIND_TOO_MANY
    if len(code) == LINK_DIGITS:  # a staff member linking their WeChat
        member = await services.staff.link_wechat(code, appid, openid, services.clock())
        if member is None:
            await guard.missed(appid, openid)
            return texts.STAFF_LINK_BAD
        return texts.STAFF_LINK_DONE.format(username=member.username)
    done = await services.grids.redeem(code, appid, openid, services.clock())
    if done.outcome in (Redeemed.UNKNOWN, Redeemed.EXPIRED, Redeemed.USED):
        await guard.missed(appid, openid)
    return {
        Redeemed.BOUND: texts.BIND_DONE,
        Redeemed.ALREADY: texts.BIND_ALREADY,
        Redeemed.UNKNOWN: texts.BIND_UNKNOWN,
        Redeemed.EXPIRED: texts.BIND_EXPIRED,
        Redeemed.USED: texts.BIND_USED,
    }[done.outcome].format(grid=done.grid)
