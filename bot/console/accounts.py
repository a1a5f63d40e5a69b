"""人员: the county admin's staff accounts, over bot.desk.staff_accounts: the list,
a new account (its password shown on this answer only), disable, enable and a new
password. Disabling or a new password signs the person out of every console session."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import keys
from bot.console.pages import render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import staff_accounts as desk
from bot.desk import tickets
from bot.desk.reading import read
from bot.desk.refused import Refused
from bot.desk.staff_accounts import AccountQuery, NewAccount
from conversations import texts

ROLES = ("county_admin",)
_FILTERS = ("role", "township", "active")
_FIELDS = ("username", "role", "township", "unit", "password")


async def page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    return await _page(request, visit)


async def _page(
    request: web.Request,
    visit: Visit,
    *,
    said: tuple[str, ...] = (),
    error: str = "",
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    given = {k: v for k, v in request.query.items() if k in _FILTERS and v.strip()}
    try:
        found = await desk.accounts(visit.member, read(AccountQuery, given))
    except Refused as refused:
        if refused.status == 403:
            raise
        error, status = refused.message, refused.status
        found = await desk.accounts(visit.member, AccountQuery())
    return render(
        request,
        "accounts.html",
        visit,
        status=status,
        a=texts.CONSOLE_ADMIN,
        found=found.accounts,
        given=given,
        said=said,
        error=error,
        typed=typed or {},
        roles=texts.STAFF_ACCOUNT_ROLES,
        lead_roles=desk.LEAD_ROLES,
        choices=await tickets.choices(visit.member),
    )


async def create(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    typed = {name: form.get(name, "").strip() for name in _FIELDS}
    body: dict[str, Any] = {k: v for k, v in typed.items() if v}
    try:
        new = read(NewAccount, body)
        issued = await desk.create(visit.member, new, request.app[keys.CLOCK]())
    except Refused as refused:
        if refused.status == 403:
            raise
        typed.pop("password")
        return await _page(
            request, visit, error=refused.message, typed=typed, status=refused.status
        )
    a = texts.CONSOLE_ADMIN
    name = issued.account.username
    return await _page(
        request,
        visit,
        said=(
            a["created"].format(username=name),
            a["password_once"].format(username=name, password=issued.password),
            issued.note,
        ),
    )


async def act(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    await form_of(request, visit)
    username, action = request.match_info["username"], request.match_info["action"]
    app = request.app
    now, sign_out = app[keys.CLOCK](), app[keys.CONSOLE_SESSIONS].close_all
    a = texts.CONSOLE_ADMIN
    try:
        if action == "disable":
            shown = await desk.disable(visit.member, username, now, sign_out)
            said: tuple[str, ...] = (a["disabled_done"].format(username=shown.username),)
        elif action == "enable":
            shown = await desk.enable(visit.member, username, now)
            said = (a["enabled_done"].format(username=shown.username),)
        elif action in ("lead", "not-lead"):
            shown = await desk.set_lead(visit.member, username, action == "lead", now)
            done = a["lead_done"] if shown.lead else a["not_lead_done"]
            said = (done.format(username=shown.username),)
        elif action == "reset-password":
            issued = await desk.reset_password(visit.member, username, now, sign_out)
            name = issued.account.username
            said = (
                a["reset_done"].format(username=name),
                a["password_once"].format(username=name, password=issued.password),
                issued.note,
            )
        else:
            raise Refused(404, texts.CONSOLE["not_found"])
    except Refused as refused:
        if refused.status in (403, 404):
            raise
        return await _page(request, visit, error=refused.message, status=refused.status)
    return await _page(request, visit, said=said)
