"""网格: the grids of the person's jurisdiction with their workers; a one-time binding code
for a new worker, printed with its QR code; unbinding a worker; the visit ledger (走访台账),
masked as the API masks it. The rules are bot.desk.grids', shared with the API."""

from __future__ import annotations

import io
from typing import Any

import segno
from aiohttp import web

from bot import keys
from bot.console.pages import Handler, refused_page, render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import grids as desk
from bot.desk.fields import ID_MAX, SMALL_ID_MAX
from bot.desk.grid_shapes import GridQuery, GridShown, Invite
from bot.desk.reading import read
from bot.desk.refused import Refused
from conversations import texts
from storage import worker_roles
from storage.models import Grid

PREFIX = "/console/grids"
WORDS = texts.CONSOLE | texts.CONSOLE_GRIDS
assert not texts.CONSOLE.keys() & texts.CONSOLE_GRIDS.keys(), "a grid word hides a console one"

# How the QR code of an invite is made: medium error correction (a printed sheet gets
# folded and smudged), UTF-8 for 绑定, and the quiet zone the standard asks for.
QR: dict[str, Any] = {"error": "m", "encoding": "utf-8", "micro": False}
QR_IMAGE: dict[str, dict[str, Any]] = {
    "svg": {"scale": 8, "border": 4, "xmldecl": False, "light": "#fff"},
    "png": {"scale": 10, "border": 4},
}
_KINDS = {"svg": "image/svg+xml", "png": "image/png"}


def routes() -> list[tuple[str, str, Handler]]:
    return [
        ("GET", PREFIX, index),
        ("GET", f"{PREFIX}/{{id}}", show),
        ("POST", f"{PREFIX}/{{id}}/invites", invite),
        ("GET", f"{PREFIX}/{{id}}/invites/{{invite}}", invite_page),
        ("GET", f"{PREFIX}/{{id}}/invites/{{invite}}/qr.{{kind:svg|png}}", qr),
        ("POST", f"{PREFIX}/{{id}}/workers/{{worker}}/unbind", unbind),
        ("GET", f"{PREFIX}/{{id}}/visits", visits),
    ]


def qr_image(text: str, kind: str) -> bytes:
    """The QR code of ``text`` as an SVG or PNG file."""
    out = io.BytesIO()
    segno.make(text, **QR).save(out, kind=kind, **QR_IMAGE[kind])
    return out.getvalue()


def _page(request: web.Request, template: str, visit: Visit, **context: Any) -> web.Response:
    return render(request, template, visit, w=WORDS, **context)


async def _number(request: web.Request, visit: Visit, name: str, high: int) -> int:
    """A whole number of the address; anything else names nothing (the 404 page)."""
    given = request.match_info[name]
    if given.isascii() and given.isdigit() and len(given) <= 19 and 0 < int(given) <= high:
        return int(given)
    raise await _missing(request, visit)


async def _missing(request: web.Request, visit: Visit) -> web.HTTPException:
    return await refused_page(request, 404, WORDS["grid_not_found"], visit)


async def _grid(request: web.Request, visit: Visit) -> Grid:
    """The address's grid, or the same 404 page whether it does not exist or belongs to
    another township."""
    try:
        return await desk.find(visit.member, await _number(request, visit, "id", SMALL_ID_MAX))
    except Refused:
        raise await _missing(request, visit) from None


async def _refused(request: web.Request, visit: Visit, refused: Refused) -> web.HTTPException:
    return await refused_page(request, refused.status, refused.message, visit)


async def index(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    given = {k: v for k, v in request.query.items() if k == "township" and v.strip()}
    error, status = "", 200
    try:
        found = (await desk.listed(visit.member, read(GridQuery, given))).grids
    except Refused as refused:  # a tampered filter: said, and nothing listed
        error, status, found = refused.message, refused.status, []
    workers = await desk.workers_of([g.id for g in found])
    places = await desk.townships(visit.member)
    return _page(
        request,
        "grids.html",
        visit,
        status=status,
        error=error,
        grids=[(g, workers[g.id]) for g in found],
        townships=places,
        township=given.get("township", ""),
    )


async def show(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    grid = await _grid(request, visit)
    said = WORDS["unbound_done"] if request.query.get("done") == "unbound" else ""
    found = await desk.workers(visit.member, grid.id)
    return _page(
        request,
        "grid.html",
        visit,
        grid=desk.shown(grid),
        workers=found.workers,
        may_write=desk.may_write(visit.member, grid.township_id),
        messages=(said,) if said else (),
        invite_hours=desk.INVITE_HOURS,
    )


async def invite(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    await form_of(request, visit)
    grid = await _grid(request, visit)
    try:
        issued = await desk.invite(visit.member, grid.id, request.app[keys.CLOCK]())
    except Refused as refused:
        raise await _refused(request, visit, refused) from None
    # Named by its id: the code itself stays out of addresses, history and logs.
    raise web.HTTPSeeOther(f"{PREFIX}/{grid.id}/invites/{issued.id}")


async def _open_invite(request: web.Request, visit: Visit) -> tuple[GridShown, Invite]:
    grid = await _grid(request, visit)
    invite_id = await _number(request, visit, "invite", ID_MAX)
    try:
        made = await desk.open_invite(visit.member, grid.id, invite_id, request.app[keys.CLOCK]())
    except Refused as refused:
        raise await _refused(request, visit, refused) from None
    return desk.shown(grid), made


async def invite_page(request: web.Request) -> web.Response:
    """The code ready to print: grid, code, how to use it, a big QR code."""
    visit = await signed_in(request)
    grid, made = await _open_invite(request, visit)
    return _page(
        request,
        "invite.html",
        visit,
        grid=grid,
        invite=made,
        qr=f"{request.path}/qr",
        invite_hours=desk.INVITE_HOURS,
    )


async def qr(request: web.Request) -> web.Response:
    """The invite's QR code: what the worker sends the account, ``绑定 <code>``."""
    visit = await signed_in(request)
    _, made = await _open_invite(request, visit)
    kind = request.match_info["kind"]
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if kind == "png":
        headers["Content-Disposition"] = f'attachment; filename="grid-invite-{made.code}.png"'
    body = qr_image(desk.typed(made.code), kind)
    return web.Response(body=body, content_type=_KINDS[kind], headers=headers)


async def unbind(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    await form_of(request, visit)
    grid = await _grid(request, visit)
    worker = await _number(request, visit, "worker", ID_MAX)
    try:
        await desk.unbind(visit.member, grid.id, worker, request.app[keys.CLOCK]())
    except Refused as refused:
        raise await _refused(request, visit, refused) from None
    await worker_roles.changed(request.app[keys.REDIS])
    raise web.HTTPSeeOther(f"{PREFIX}/{grid.id}?done=unbound")


async def visits(request: web.Request) -> web.Response:
    """The visit ledger: whole for the township's own staff, masked for the rest, and
    every view recorded (by bot.desk.grids.visits)."""
    visit = await signed_in(request)
    grid = await _grid(request, visit)
    ledger = await desk.visits(visit.member, grid.id, request.app[keys.CLOCK]())
    return _page(
        request,
        "visits.html",
        visit,
        grid=desk.shown(grid),
        ledger=ledger,
        whole=desk.sees_visits_whole(visit.member, grid),
        x=texts.CONSOLE_EXPORT,
    )
