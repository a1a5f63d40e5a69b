"""The staff console: server-rendered pages under /console (aiohttp-jinja2 templates,
vendored htmx, one small stylesheet), over the same staff operations as the JSON API
(bot.desk). Signed in by a cookie session kept in Redis; every form that changes
something carries the session's CSRF token."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console import (
    accounts,
    catalog,
    exports,
    grids,
    holidays,
    home,
    live,
    manual,
    notices,
    phrases,
    queue,
    scoreboard,
    signin,
    supervision,
    ticket,
)
from bot.console.pages import Handler, refused_page
from bot.console.visits import visit_of
from bot.desk.refused import Refused
from conversations import texts

PREFIX = "/console"
LIVE = f"{PREFIX}/live"
HERE = Path(__file__).parent


def add_routes(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        # Everything a resident or worker wrote is shown as text, never as markup.
        autoescape=True,
        # A misspelt name in a template fails its test, not a clerk's page.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    r = app.router
    files = r.add_static(f"{PREFIX}/static", HERE / "static", append_version=True)

    def static(name: str) -> str:
        # With the file's digest appended, so a browser never keeps an old copy.
        return str(files.url_for(filename=name))

    env.globals["static"] = static
    pages: list[tuple[str, str, Handler]] = [
        ("GET", PREFIX, home.home),
        ("POST", f"{PREFIX}/duty", home.duty),
        ("POST", f"{PREFIX}/new-requests", home.new_requests),
        ("POST", f"{PREFIX}/wechat-code", home.link_code),
        ("GET", f"{PREFIX}/login", signin.login_page),
        ("POST", f"{PREFIX}/login", signin.login),
        ("POST", f"{PREFIX}/logout", signin.logout),
        ("GET", f"{PREFIX}/tickets", queue.queue),
        ("GET", f"{PREFIX}/tickets/rows", queue.rows),
        ("POST", f"{PREFIX}/tickets/assign", queue.bulk_assign),
        ("GET", LIVE, live.live),
        # Before the ticket's POST {action}, which would take its 督办 and 回访 forms' paths.
        *supervision.routes(),
        ("GET", f"{PREFIX}/tickets/{{number}}", ticket.show),
        ("POST", f"{PREFIX}/tickets/{{number}}/{{action}}", ticket.act),
        ("GET", f"{PREFIX}/tickets/{{number}}/files/{{file}}", ticket.file),
        ("GET", f"{PREFIX}/staff", accounts.page),
        ("POST", f"{PREFIX}/staff", accounts.create),
        ("POST", f"{PREFIX}/staff/{{username}}/{{action}}", accounts.act),
        ("GET", f"{PREFIX}/templates", phrases.page),
        ("POST", f"{PREFIX}/templates", phrases.add),
        ("POST", f"{PREFIX}/templates/{{id}}/{{action}}", phrases.change),
        ("GET", f"{PREFIX}/holidays", holidays.page),
        ("POST", f"{PREFIX}/holidays/{{year}}", holidays.save),
        ("POST", f"{PREFIX}/holidays/{{year}}/remove", holidays.remove),
        *notices.routes(),
        *grids.routes(),
        *catalog.routes(),
        *exports.routes(),
        *scoreboard.routes(),
        ("GET", f"{PREFIX}/help", manual.page),
        ("GET", f"{PREFIX}/help/{{name}}", manual.screenshot),
        ("*", f"{PREFIX}/{{rest:.*}}", _nowhere),
    ]
    for method, path, handler in pages:
        r.add_route(method, path, _answering(handler))


def _answering(handler: Handler) -> Handler:
    """A staff operation's refusal that the page did not say itself (not theirs to see
    or do) answered as a page with its status and sentence."""

    async def answering(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Refused as refused:
            visit = await visit_of(request)
            raise await refused_page(request, refused.status, refused.message, visit) from None

    return answering


async def _nowhere(request: web.Request) -> web.Response:
    raise await refused_page(request, 404, texts.CONSOLE["not_found"], await visit_of(request))
