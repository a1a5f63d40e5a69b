"""Grids for staff over JSON: list and create them, issue one-time binding codes for grid
workers, see who works a grid, unbind a worker, read the visit ledger; the rules are
bot.desk.grids', shared with the console."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_body, read_path, read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import grids as desk
from bot.desk.grid_shapes import (
    GridList,
    GridQuery,
    GridRef,
    GridShown,
    Invite,
    NewGrid,
    Unbound,
    Visits,
    WorkerRef,
    Workers,
)
from conversations import texts
from storage import worker_roles


def _grid_id(request: web.Request) -> int:
    return read_path(request, GridRef, texts.STAFF_GRID_NOT_FOUND).id


async def list_grids(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await desk.listed(member, read_query(request, GridQuery)))


async def create(request: web.Request) -> web.Response:
    member = await caller(request, *desk.WRITERS)
    given = await read_body(request, NewGrid)
    return respond(await desk.create(member, given, request.app[keys.CLOCK]()), status=201)


async def invite(request: web.Request) -> web.Response:
    member = await caller(request, *desk.WRITERS)
    issued = await desk.invite(member, _grid_id(request), request.app[keys.CLOCK]())
    return respond(issued.invite, status=201)


async def list_workers(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await desk.workers(member, _grid_id(request)))


async def unbind(request: web.Request) -> web.Response:
    member = await caller(request, *desk.WRITERS)
    grid_id = _grid_id(request)
    # A worker id that cannot be one is no worker of the grid: after the grid's own checks.
    await desk.managed(member, grid_id)
    worker = read_path(request, WorkerRef, texts.STAFF_WORKER_NOT_FOUND).worker
    done = await desk.unbind(member, grid_id, worker, request.app[keys.CLOCK]())
    await worker_roles.changed(request.app[keys.REDIS])
    return respond(done)


async def list_visits(request: web.Request) -> web.Response:
    """The grid's visit ledger (走访台账): names and health for the township's own staff,
    each view recorded; county-wide readers see them masked."""
    member = await caller(request)
    return respond(await desk.visits(member, _grid_id(request), request.app[keys.CLOCK]()))


_WRITERS = roles(*desk.WRITERS) + " Township staff only in their own township."
OPERATIONS = [
    Operation(
        "GET", "/grids", list_grids, "Grids (网格) within the caller's jurisdiction", GridList,
        query=GridQuery,
    ),
    Operation(
        "POST", "/grids", create,
        "Create a grid: code, name, township, optional village, latitude, longitude, "
        "place (where a report 就在网格里 is put)",
        GridShown, status=201, body=NewGrid, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "POST", "/grids/{id}/invites", invite,
        "A one-time binding code for a grid worker, valid 72 hours: they send "
        "“绑定 <code>” or scan a QR code made with `scene`",
        Invite, status=201, params=GridRef, refusals=(403,), description=_WRITERS,
    ),
    Operation(
        "GET", "/grids/{id}/workers", list_workers, "The grid's workers (openids shortened)",
        Workers, params=GridRef,
    ),
    Operation(
        "POST", "/grids/{id}/workers/{worker}/unbind", unbind,
        "Unbind a worker: an ordinary resident again at once", Unbound, params=WorkerRef,
        refusals=(403,), description=_WRITERS,
    ),
    Operation(
        "GET", "/grids/{id}/visits", list_visits,
        "The grid's visit ledger (走访台账): names and health for the township's own staff "
        "only (each view audited), masked for county-wide readers",
        Visits, params=GridRef,
    ),
]  # fmt: skip
