"""工作台: the signed-in person's figures, each a link into the queue; their duty switch,
whether every new request reaches them on duty, and the code that links their own WeChat."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.console.pages import render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import holidays, me, supervision
from bot.desk import tickets as desk
from conversations import texts
from storage.clock import local_day

# Where each figure leads: the queue with the filter that lists exactly those tickets.
COUNT_LINKS = {
    "submitted": "status=submitted",
    "working": "status=accepted,in_progress",
    "due_soon": "due_soon=true",
    "overdue": "overdue=true",
    "extension": "extension=true",
}


async def home(request: web.Request) -> web.Response:
    return await _home(request, await signed_in(request))


async def _home(request: web.Request, visit: Visit, code: str = "") -> web.Response:
    app = request.app
    today = local_day(app[keys.CLOCK]())
    figures = await desk.counts(visit.member, today, app[keys.DEADLINES])
    return render(
        request,
        "home.html",
        visit,
        figures=[
            (texts.CONSOLE_COUNTS[name], figures[name], COUNT_LINKS[name]) for name in figures
        ],
        orders_open=await supervision.open_count(visit.member),
        s=texts.CONSOLE_SUPERVISION,
        account=await me.account(visit.member),
        code=code,
        minutes=me.LINK_MINUTES,
        roles=texts.CONSOLE_ROLES,
        a=texts.CONSOLE_ADMIN,
        # County admins are warned while deadlines within 90 days reach a year whose
        # holidays nobody has given.
        missing=(
            holidays.years_missing(app[keys.WORK_CALENDAR], today)
            if visit.member.role == "county_admin"
            else []
        ),
    )


async def duty(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    await me.set_duty(visit.member, form.get("on_duty") == "true")
    raise web.HTTPSeeOther("/console")


async def new_requests(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    await me.set_new_requests(visit.member, form.get("notify_new") == "true")
    raise web.HTTPSeeOther("/console")


async def link_code(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    await form_of(request, visit)
    made = await me.link_code(visit.member, request.app[keys.CLOCK]())
    # Shown on this answer only (not put in an address, where history would keep it).
    return await _home(request, visit, made.code)
