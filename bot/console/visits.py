"""Who is at the console: the session cookie read against Redis, the account checked
active on every request (a disabled account is signed out at its next click), and the
CSRF token every form that changes something must carry."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from bot import keys
from bot.console.pages import refused_page
from conversations import texts
from storage import staff
from storage.console_sessions import Session
from storage.staff import StaffMember

COOKIE = "township_console"
PATH = "/console"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
_VISIT = web.RequestKey("console_visit", object)


@dataclass(frozen=True)
class Visit:
    member: StaffMember
    session: Session
    sid: str


async def visit_of(request: web.Request) -> Visit | None:
    """The signed-in person making this request, or None."""
    if _VISIT in request:
        found = request[_VISIT]
        return found if isinstance(found, Visit) else None
    found = await _read(request)
    request[_VISIT] = found
    return found


async def _read(request: web.Request) -> Visit | None:
    sid = request.cookies.get(COOKIE)
    if not sid or len(sid) > 100:
        return None
    app = request.app
    sessions = app[keys.CONSOLE_SESSIONS]
    session = await sessions.read(sid, app[keys.CLOCK]())
    if session is None:
        return None
    member = await staff.active_member(session.staff_id)
    if member is None:  # disabled since: signed out everywhere
        await sessions.close_all(session.staff_id)
        return None
    return Visit(member, session, sid)


async def signed_in(request: web.Request) -> Visit:
    """The signed-in person, or off to the sign-in page (and back here afterwards)."""
    found = await visit_of(request)
    if found is not None:
        return found
    back = request.path_qs if request.method == "GET" else PATH
    to = f"{PATH}/login?next={quote(back, safe='')}"
    if request.cookies.get(COOKIE):
        to += "&over=1"
    if request.headers.get("HX-Request"):  # htmx follows a redirect inside the page
        raise web.HTTPOk(headers={"HX-Redirect": to})
    raise web.HTTPSeeOther(to)


async def form_of(request: web.Request, visit: Visit) -> MultiDictProxy[str]:
    """The posted form, once its CSRF token is this session's; otherwise a 403 page and
    nothing is done."""
    form = await request.post()
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(given, str) or not hmac.compare_digest(
        given.encode(), visit.session.csrf.encode()
    ):
        raise await refused_page(request, 403, texts.CONSOLE["csrf"], visit)
    # Files are never posted to the console; a field sent as one is left out.
    return MultiDictProxy(MultiDict((k, v) for k, v in form.items() if isinstance(v, str)))


def set_cookie(response: web.StreamResponse, request: web.Request, sid: str) -> None:
    settings = request.app[keys.SETTINGS].console
    response.set_cookie(
        COOKIE,
        sid,
        path=PATH,
        httponly=True,
        samesite="Lax",
        secure=settings.https,
        max_age=int(settings.absolute_hours * 3600),
    )


def clear_cookie(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(COOKIE, path=PATH)
