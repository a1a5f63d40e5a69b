"""Logging in and out, and who is calling: bearer tokens checked on every request."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, time, timedelta
from typing import Annotated, Literal

import structlog
from aiohttp import web
from pydantic import Field

from bot import keys
from bot.api.addresses import client_address
from bot.api.errors import refuse
from bot.api.inputs import read_body, read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk.fields import (
    BEFORE,
    DIGITS,
    NO_NUL,
    Answer,
    Day,
    QueryShape,
    Says,
    Shape,
    Why,
)
from bot.desk.signing_in import sign_in
from conversations import texts
from storage import logins, staff
from storage.clock import BEIJING
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

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


async def login(request: web.Request) -> web.Response:
    given = await read_body(request, Login)
    app = request.app
    now = app[keys.CLOCK]()
    address = client_address(request, app[keys.SETTINGS].http.trusted_proxies)
    account = await sign_in(
        app[keys.LOGINS], given.username, given.password, address=address, now=now
    )
    lifetime = timedelta(hours=app[keys.SETTINGS].staff.token_hours)
    token, expires = await staff.issue_token(account, now=now, lifetime=lifetime)
    return respond(Token(token=token, expires_at=expires))


async def logout(request: web.Request) -> web.Response:
    # Never refused for the budget: ending a leaked token is what someone does while a
    # script spends it.
    await _member(request)
    token = _bearer(request)
    assert token is not None
    await staff.logout(token)
    return respond(Done())


# Failed sign-ins, for the county -------------------------------------------------------


class FailureQuery(QueryShape):
    username: Annotated[
        str | None,
        Field(max_length=logins.USERNAME_KEPT, pattern=NO_NUL, description="As typed, exactly"),
    ] = None
    since: Annotated[
        Day | None, Field(description="On or after this day (Beijing)"), Why(texts.STAFF_WHY_DATE)
    ] = None
    limit: Annotated[int, Field(ge=1, le=100), DIGITS, Why(texts.STAFF_WHY_COUNT)] = 50
    before: BEFORE = None


class FailedLogin(Answer):
    at: datetime
    username: str = Field(description="As typed (its first 64 characters)")
    address: str
    reason: Literal[logins.REASONS]  # type: ignore[valid-type]


class FailedLogins(Answer):
    """Failed sign-ins, newest first (never the password)."""

    failures: list[FailedLogin]
    next: str | None = Field(description="Pass as before= for the next page")


async def failures(request: web.Request) -> web.Response:
    await caller(request, "county_admin")
    query = read_query(request, FailureQuery)
    since = datetime.combine(query.since, time.min, BEIJING) if query.since else None
    rows = await logins.failures(
        username=query.username, since=since, before=query.before, limit=query.limit
    )
    return respond(
        FailedLogins(
            failures=[
                FailedLogin(
                    at=r.at.astimezone(BEIJING),
                    username=r.username,
                    address=r.address,
                    reason=r.reason,
                )
                for r in rows
            ],
            next=str(rows[-1].id) if len(rows) == query.limit else None,
        )
    )


OPERATIONS = [
    Operation(
        "POST", "/auth/login", login, "Log in: a bearer token for the staff API", Token,
        body=Login, refusals=(401, 429), login=False,
        description="Wrong passwords slow a name down rather than lock it: after "
        "`[staff] login_free_failures` of them each try waits longer (429 with Retry-After), "
        "except from the addresses the account last signed in from; each address may try "
        "`logins_per_minute_per_address` sign-ins a minute (429 with Retry-After).",
    ),
    Operation(
        "GET", "/auth/failures", failures,
        "Failed sign-ins, newest first: when, the name as typed, the address, why",
        FailedLogins, query=FailureQuery, refusals=(403,), description=roles("county_admin"),
    ),
    Operation(
        "POST", "/auth/logout", logout,
        "End this token (never refused for the account's request budget)", Done, budget=False,
    ),
]  # fmt: skip
