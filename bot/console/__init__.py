"""The staff console: server-rendered pages under /console (aiohttp-jinja2 templates,
vendored htmx, one small stylesheet), over the same staff operations as the JSON API
(bot.desk). Signed in by a cookie session kept in Redis; every form that changes
something carries the session's CSRF token."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console import home, live, notices, queue, signin, ticket
from bot.console.pages import refused_page
from bot.console.visits import visit_of
from conversations import texts

PREFIX = "/console"
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
    r.add_get(PREFIX, home.home)
    r.add_post(f"{PREFIX}/duty", home.duty)
    r.add_post(f"{PREFIX}/wechat-code", home.link_code)
    r.add_get(f"{PREFIX}/login", signin.login_page)
    r.add_post(f"{PREFIX}/login", signin.login)
    r.add_post(f"{PREFIX}/logout", signin.logout)
    r.add_get(f"{PREFIX}/tickets", queue.queue)
    r.add_get(f"{PREFIX}/tickets/rows", queue.rows)
    r.add_post(f"{PREFIX}/tickets/assign", queue.bulk_assign)
    r.add_get(f"{PREFIX}/live", live.live)
    r.add_get(f"{PREFIX}/tickets/{{number}}", ticket.show)
    r.add_post(f"{PREFIX}/tickets/{{number}}/{{action}}", ticket.act)
    r.add_get(f"{PREFIX}/tickets/{{number}}/files/{{file}}", ticket.file)
    notices.add_routes(r)
    r.add_route("*", f"{PREFIX}/{{rest:.*}}", _nowhere)


async def _nowhere(request: web.Request) -> web.Response:
    raise await refused_page(request, 404, texts.CONSOLE["not_found"], await visit_of(request))
