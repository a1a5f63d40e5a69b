"""Logging in and out, and who is calling: bearer tokens checked on every request."""

from __future__ import annotations

import asyncio
import hashlib
import math
from datetime import datetime, timedelta
from typing import Annotated, Literal

import structlog
from aiohttp import web
from pydantic import Field

from bot import keys
from bot.api.errors import refuse
from bot.api.fields import NO_NUL, Answer, Says, Shape
from bot.api.inputs import read_body
from bot.api.responses import respond
from bot.api.routes import Operation
from conversations import texts
from storage import staff
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

# Logins allowed per username before a pause (a right one clears the count), and the pause.
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 900
BUDGET_CHECK_SECONDS = 0.5


class Login(Shape):
    username: Annotated[
        str,
        Field(min_length=1, pattern=NO_NUL),
        Says(texts.STAFF_FIELD_REQUIRED.format(field="username"), missing=True),
    ]
    password: Annotated[
        str,
        Field(min_length=1, pattern=NO_NUL),
        Says(texts.STAFF_FIELD_REQUIRED.format(field="password"), missing=True),
    ]


class Token(Answer):
    """Logged in: send the token as `Authorization: Bearer <token>`."""

    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime


class Done(Answer):
    """Done."""

    ok: Literal[True] = True


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def caller(request: web.Request, *roles: str) -> StaffMember:
    """The staff member making this request; 401 without a valid token, 429 when their
    account's request budget is spent, 403 when their role is not among ``roles`` (any
    role when none are named)."""
    member = await _member(request)
    await _within_budget(request, member)
    if roles and member.role not in roles:
        raise refuse(403, texts.STAFF_FORBIDDEN_ROLE)
    return member


async def _member(request: web.Request) -> StaffMember:
    token = _bearer(request)
    member = await staff.by_token(token, request.app[keys.CLOCK]()) if token else None
    if member is None:
        raise refuse(401, texts.STAFF_NEED_LOGIN)
    return member


async def member_of(request: web.Request) -> StaffMember:
    """The staff member making this request, or 401; their budget is not spent."""
    return await _member(request)


async def _within_budget(request: web.Request, member: StaffMember) -> None:
    """429 when this account has used up its requests for now: a leaked token, or a
    script gone wrong, cannot read the county's records as fast as the database gives
    them. Per account, not per token, so logging in again does not reset it."""
    budget = request.app[keys.STAFF_RATE]
    if budget is None:
        return
    try:
        # Bounded: the Redis client has no socket timeout of its own (storage.redis).
        async with asyncio.timeout(BUDGET_CHECK_SECONDS):
            wait = await budget.take(str(member.id))
    except Exception:  # Redis away: staff work goes on unlimited, the audit log still holds
        log.warning("staff rate limit unavailable (Redis?)")
        return
    if wait:
        seconds = max(1, math.ceil(wait))
        raise refuse(429, texts.STAFF_TOO_FAST.format(seconds=seconds), retry_after=seconds)


def _failure_key(username: str) -> str:
    # Hashed: the Redis key should not spell out who tried. Per name, not per address:
    # behind nginx every caller has the proxy's address.
    return f"staff:login-failures:{hashlib.sha256(username.encode()).hexdigest()[:16]}"


async def login(request: web.Request) -> web.Response:
    given = await read_body(request, Login)
    username, password = given.username, given.password
    if len(username) > 64 or len(password) > 1024:
        raise refuse(401, texts.STAFF_BAD_LOGIN)
    redis = request.app[keys.REDIS]
    counter = _failure_key(username)
    # Counted before the (slow) password check, so a burst of guesses sent at once is
    # counted too; a right password clears the count.
    tries = int(await redis.incr(counter))
    if tries == 1:  # the window starts with the first try (EXPIRE NX needs Redis 7)
        await redis.expire(counter, FAILURE_WINDOW_SECONDS)
    if tries > MAX_FAILURES:
        raise refuse(429, texts.STAFF_TOO_MANY_FAILURES)
    settings = request.app[keys.SETTINGS]
    now = request.app[keys.CLOCK]()
    issued = await staff.login(
        username, password, now=now, lifetime=timedelta(hours=settings.staff.token_hours)
    )
    if issued is None:
        log.warning("staff login refused", peer=request.remote)
        raise refuse(401, texts.STAFF_BAD_LOGIN)
    await redis.delete(counter)
    token, expires = issued
    log.info("staff logged in", staff=username)
    return respond(Token(token=token, expires_at=expires))


async def logout(request: web.Request) -> web.Response:
    # Never refused for the budget: ending a leaked token is what someone does while a
    # script spends it.
    await _member(request)
    token = _bearer(request)
    assert token is not None
    await staff.logout(token)
    return respond(Done())


OPERATIONS = [
    Operation(
        "POST", "/auth/login", login, "Log in: a bearer token for the staff API", Token,
        body=Login, refusals=(401, 429), login=False,
        description="Five wrong passwords for one username pause it for 15 minutes (429).",
    ),
    Operation(
        "POST", "/auth/logout", logout,
        "End this token (never refused for the account's request budget)", Done, budget=False,
    ),
]  # fmt: skip
