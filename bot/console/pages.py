"""Pages rendered from the templates, with what every page shows: the person, their
navigation, the CSRF token for forms, and the console's words (texts.CONSOLE)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
from aiohttp import web

from bot.desk.notices import READERS as NOTICE_READERS
from conversations import texts

if TYPE_CHECKING:
    from bot.console.visits import Visit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The pages in the navigation, and who sees each (None: everyone signed in).
NAV: list[tuple[str, str, frozenset[str] | None]] = [
    ("home", "/console", None),
    ("queue", "/console/tickets", None),
    ("supervision", "/console/supervision", None),
    ("notices", "/console/notices", NOTICE_READERS),
    # Grids belong to townships: not a county department's handlers'.
    ("grids", "/console/grids", frozenset({"county_admin", "township_staff", "supervisor"})),
    ("catalog", "/console/catalog", None),
    # Each sees the scoreboard of their own jurisdiction (bot.desk.scoreboard).
    ("scoreboard", "/console/scoreboard", None),
    ("staff", "/console/staff", frozenset({"county_admin"})),
    ("templates", "/console/templates", frozenset({"county_admin"})),
    ("holidays", "/console/holidays", frozenset({"county_admin"})),
    ("help", "/console/help", None),
]


def formed(body: dict[str, Any]) -> Callable[[], Awaitable[object]]:
    """A form's fields, read already, as a staff operation asks for its input (the API
    hands it the JSON body's reader instead)."""

    async def given() -> object:
        return body

    return given


def nav_for(role: str) -> list[tuple[str, str]]:
    return [(name, href) for name, href, roles in NAV if roles is None or role in roles]


def render(
    request: web.Request,
    template: str,
    visit: Visit | None,
    status: int = 200,
    **context: Any,
) -> web.Response:
    base: dict[str, Any] = {
        "w": texts.CONSOLE,
        "kinds": texts.TICKET_KINDS,
        "statuses": texts.TICKET_STATUS,
        "action_names": texts.TICKET_ACTIONS,
        "me": visit.member if visit else None,
        "csrf": visit.session.csrf if visit else "",
        "nav": nav_for(visit.member.role) if visit else [],
        "path": request.path,
    }
    response = aiohttp_jinja2.render_template(template, request, base | context, status=status)
    # Pages hold personal data: never cached, never framed by another site.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    return response


async def refused_page(
    request: web.Request, status: int, message: str, visit: Visit | None
) -> web.HTTPException:
    """An error page to raise: the status and one plain sentence."""
    response = render(request, "error.html", visit, status=status, message=message)
    headers = {k: v for k, v in response.headers.items() if k != "Content-Type"}
    kind: type[web.HTTPException] = _ERRORS.get(status, web.HTTPBadRequest)
    return kind(text=response.text, content_type="text/html", headers=headers)


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    422: web.HTTPUnprocessableEntity,
    429: web.HTTPTooManyRequests,
}
