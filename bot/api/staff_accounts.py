"""Staff accounts over JSON, for county admins (bot.desk.staff_accounts does the work)."""

from __future__ import annotations

import structlog
from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_body, read_path, read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import staff_accounts as accounts
from bot.desk.staff_accounts import (
    Account,
    AccountQuery,
    AccountRef,
    Accounts,
    Issued,
    Lead,
    NewAccount,
)
from conversations import texts

log = structlog.get_logger(__name__)


def _username(request: web.Request) -> str:
    return read_path(request, AccountRef, texts.STAFF_ACCOUNT_NOT_FOUND).username


async def listed(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await accounts.accounts(member, read_query(request, AccountQuery)))


async def create(request: web.Request) -> web.Response:
    member = await caller(request)
    new = await read_body(request, NewAccount)
    issued = await accounts.create(member, new, request.app[keys.CLOCK]())
    log.info("staff account created", staff=member.username, account=issued.account.username)
    return respond(issued, status=201)


async def disable(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    sign_out = app[keys.CONSOLE_SESSIONS].close_all
    shown = await accounts.disable(member, _username(request), app[keys.CLOCK](), sign_out)
    log.info("staff account disabled", staff=member.username, account=shown.username)
    return respond(shown)


async def enable(request: web.Request) -> web.Response:
    member = await caller(request)
    shown = await accounts.enable(member, _username(request), request.app[keys.CLOCK]())
    log.info("staff account enabled", staff=member.username, account=shown.username)
    return respond(shown)


async def reset_password(request: web.Request) -> web.Response:
    member = await caller(request)
    app = request.app
    sign_out = app[keys.CONSOLE_SESSIONS].close_all
    issued = await accounts.reset_password(member, _username(request), app[keys.CLOCK](), sign_out)
    log.info("staff password reset", staff=member.username, account=issued.account.username)
    return respond(issued)


async def lead(request: web.Request) -> web.Response:
    member = await caller(request)
    value = (await read_body(request, Lead)).lead
    shown = await accounts.set_lead(member, _username(request), value, request.app[keys.CLOCK]())
    log.info("staff lead changed", staff=member.username, account=shown.username, lead=value)
    return respond(shown)


_ADMIN = roles("county_admin")
OPERATIONS = [
    Operation(
        "GET", "/staff", listed,
        "Staff accounts: role, township, unit, whether working, last sign-in", Accounts,
        query=AccountQuery, refusals=(403,), description=_ADMIN,
    ),
    Operation(
        "POST", "/staff", create,
        "A new staff account; its password (given, or made) is in the answer this once",
        Issued, status=201, body=NewAccount, refusals=(403, 409), description=_ADMIN,
        shown_once=("password",),
    ),
    Operation(
        "POST", "/staff/{username}/disable", disable,
        "Disable an account: it cannot sign in, and its tokens end at once", Account,
        params=AccountRef, refusals=(403,),
        description=_ADMIN + " Not one's own account.",
    ),
    Operation(
        "POST", "/staff/{username}/enable", enable, "Enable a disabled account again", Account,
        params=AccountRef, refusals=(403,), description=_ADMIN,
    ),
    Operation(
        "POST", "/staff/{username}/reset-password", reset_password,
        "A new password for an account, in the answer this once; the old one and its "
        "tokens end", Issued, params=AccountRef, refusals=(403,), description=_ADMIN,
        shown_once=("password",),
    ),
    Operation(
        "PUT", "/staff/{username}/lead", lead,
        "Mark a unit's handler or a township's staff member as its lead (负责人), or not: "
        "leads get the weekly digest", Account, params=AccountRef, body=Lead,
        refusals=(403,), description=_ADMIN,
    ),
]  # fmt: skip
