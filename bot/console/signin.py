"""Signing in to the console and out of it: the same limits as the staff API's sign-in
(bot.desk.signing_in), a fresh session id each time, and a sign-in form that only a
page of ours can post (a token in a cookie and in the form, compared)."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from bot import keys
from bot.api.addresses import client_address
from bot.console.pages import render
from bot.console.visits import PATH, clear_cookie, form_of, set_cookie, signed_in, visit_of
from bot.desk.refused import Refused
from bot.desk.signing_in import sign_in
from conversations import texts
from storage import staff

_PRE = "township_console_pre"


def _next(value: str | None) -> str:
    """Where to go after signing in: a console page of ours, never another site."""
    if value and value.startswith(PATH) and not value.startswith("//") and "\\" not in value:
        return value
    return PATH


def _form(
    request: web.Request, *, status: int = 200, error: str = "", username: str = ""
) -> web.Response:
    pre = secrets.token_urlsafe(24)
    notice = ""
    if request.query.get("over"):
        notice = texts.CONSOLE["session_over"]
    elif request.query.get("out"):
        notice = texts.CONSOLE["signed_out"]
    response = render(
        request,
        "login.html",
        None,
        status=status,
        pre=pre,
        error=error,
        notice=notice,
        next=_next(request.query.get("next")),
        username=username,
    )
    # Not a credential (it lets nothing in), so not marked Secure either.
    response.set_cookie(_PRE, pre, path=PATH, httponly=True, samesite="Strict")
    return response


async def login_page(request: web.Request) -> web.Response:
    if await visit_of(request) is not None:
        raise web.HTTPSeeOther(_next(request.query.get("next")))
    return _form(request)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    pre = form.get("pre")
    cookie = request.cookies.get(_PRE, "")
    if not isinstance(pre, str) or not cookie or not hmac.compare_digest(pre, cookie):
        return _form(request, status=403, error=texts.CONSOLE["csrf"])
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or "\x00" in username:
        return _form(request, status=400, error=texts.STAFF_BAD_LOGIN)
    username = username.strip()
    app = request.app
    now = app[keys.CLOCK]()
    address = client_address(request, app[keys.SETTINGS].http.trusted_proxies)
    try:
        account = await sign_in(app[keys.LOGINS], username, password, address=address, now=now)
    except Refused as refused:
        typed = username[: staff.USERNAME_MAX]
        response = _form(request, status=refused.status, error=refused.message, username=typed)
        if "retry_after" in refused.extra:
            response.headers["Retry-After"] = str(refused.extra["retry_after"])
        return response
    old = request.cookies.get("township_console")
    sessions = app[keys.CONSOLE_SESSIONS]
    if old:  # whatever session this browser had ends: a fresh id at every sign-in
        await sessions.close(old)
    sid, _ = await sessions.open(account.id, now)
    wanted = form.get("next")
    response = web.HTTPSeeOther(_next(wanted if isinstance(wanted, str) else None))
    set_cookie(response, request, sid)
    response.del_cookie(_PRE, path=PATH)
    raise response


async def logout(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    await form_of(request, visit)
    await request.app[keys.CONSOLE_SESSIONS].close(visit.sid)
    response = web.HTTPSeeOther(f"{PATH}/login?out=1")
    clear_cookie(response, request)
    raise response
