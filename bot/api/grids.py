"""Grids for staff: list and create them, issue one-time binding codes for grid workers,
see who works a grid, and unbind a worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import structlog
from aiohttp import web
from pydantic import Field
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot import keys
from bot.api.auth import caller
from bot.api.errors import bad_field, refuse
from bot.api.inputs import read_body, read_path, read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk.fields import (
    DIGITS,
    ID_MAX,
    SMALL_ID_MAX,
    STRIP,
    STRIP_MAYBE,
    Answer,
    QueryShape,
    Shape,
    Why,
    column_max,
    filter_of,
    words,
)
from bot.desk.tickets import mask_name
from bot.logs import short_openid
from conversations import texts
from storage import audit, grids
from storage.clock import BEIJING
from storage.models import Grid, GridWorker, Township, Village
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

WRITERS = ("county_admin", "township_staff")
INVITE_HOURS = 72


class NewGrid(Shape):
    code: Annotated[str, words(32), STRIP]
    name: Annotated[str, words(64), STRIP]
    township: Annotated[str, words(32), STRIP, Field(description="The township's name")]
    village: Annotated[
        str | None, words(32), STRIP_MAYBE, Field(description="A village of that township")
    ] = None
    latitude: Annotated[
        float | None,
        Field(ge=-90, le=90, allow_inf_nan=False),
        Why(texts.STAFF_WHY_BETWEEN.format(limit=90)),
    ] = None
    longitude: Annotated[
        float | None,
        Field(ge=-180, le=180, allow_inf_nan=False),
        Why(texts.STAFF_WHY_BETWEEN.format(limit=180)),
    ] = None
    place: Annotated[
        str | None,
        words(100),
        STRIP_MAYBE,
        Field(description="Where a report 就在网格里 is put (else the village or township)"),
    ] = None


class GridQuery(QueryShape):
    township: Annotated[str | None, filter_of(column_max(Township, "name"))] = None


class GridRef(QueryShape):
    id: Annotated[int, Field(ge=1, le=SMALL_ID_MAX), DIGITS]


class WorkerRef(GridRef):
    worker: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


class GridShown(Answer):
    """The grid."""

    id: int
    code: str
    name: str
    township: str
    village: str | None
    latitude: float | None
    longitude: float | None
    place: str


class GridList(Answer):
    """The grids within the caller's jurisdiction."""

    grids: list[GridShown]


class Invite(Answer):
    """A one-time binding code."""

    code: str
    scene: str = Field(description="For a QR code a worker scans")
    grid: str
    expires_at: datetime
    how: str


class Worker(Answer):
    id: int
    name: str | None
    openid: str = Field(description="Shortened")
    bound_at: datetime


class Workers(Answer):
    """The grid's workers."""

    grid: str
    workers: list[Worker]


class Unbound(Answer):
    """Unbound."""

    grid: str
    unbound: int


class VisitShown(Answer):
    id: int
    group: str
    group_name: str
    person: str
    findings: str
    health: str
    needs_help: bool
    visited_at: datetime
    worker: str | None


class Visits(Answer):
    """The visits, newest first."""

    grid: str
    visits: list[VisitShown]


def _visible(member: StaffMember) -> Q:
    if member.role == "department_handler":
        return Q(id=-1)  # grids belong to townships, not to county departments
    if member.role == "county_admin" or member.township_id is None:
        return Q()
    return Q(township_id=member.township_id)


def _may_write(member: StaffMember, township_id: int) -> bool:
    if member.role == "county_admin":
        return True
    return member.role == "township_staff" and member.township_id == township_id


def _shown(grid: Grid) -> GridShown:
    return GridShown(
        id=grid.id,
        code=grid.code,
        name=grid.name,
        township=grid.township.name,
        village=grid.village.name if grid.village else None,
        latitude=grid.latitude,
        longitude=grid.longitude,
        place=grid.place,
    )


async def _grid(request: web.Request, member: StaffMember) -> Grid:
    ref = read_path(request, GridRef, texts.STAFF_GRID_NOT_FOUND)
    grid = (
        await Grid.filter(_visible(member), id=ref.id).select_related("township", "village").first()
    )
    if grid is None:
        raise refuse(404, texts.STAFF_GRID_NOT_FOUND)
    return grid


async def list_grids(request: web.Request) -> web.Response:
    member = await caller(request)
    query = read_query(request, GridQuery)
    q = Grid.filter(_visible(member)).select_related("township", "village").order_by("id")
    if query.township is not None:
        q = q.filter(township__name=query.township)
    return respond(GridList(grids=[_shown(g) for g in await q]))


async def create(request: web.Request) -> web.Response:
    member = await caller(request, *WRITERS)
    given = await read_body(request, NewGrid)
    code = given.code
    township = await Township.get_or_none(name=given.township)
    if township is None:
        raise bad_field("township", texts.STAFF_UNKNOWN_TOWNSHIP.format(name=given.township))
    village = None
    if given.village is not None:
        village = await Village.get_or_none(township_id=township.id, name=given.village)
        if village is None:
            raise bad_field(
                "village",
                texts.STAFF_UNKNOWN_VILLAGE.format(township=township.name, name=given.village),
            )
    if not _may_write(member, township.id):
        raise refuse(403, texts.STAFF_OUTSIDE_GRIDS.format(township=member.township or ""))
    now = request.app[keys.CLOCK]()
    try:
        grid = await Grid.create(
            code=code, name=given.name, township=township, village=village,
            latitude=given.latitude, longitude=given.longitude,
            place=given.place or (village.name if village else township.name),
            created_at=now,
        )  # fmt: skip
    except IntegrityError:
        raise refuse(409, texts.STAFF_GRID_CODE_TAKEN.format(code=code)) from None
    await grid.fetch_related("township", "village")
    log.info("grid created", grid=grid.code, staff=member.username)
    return respond(_shown(grid), status=201)


async def invite(request: web.Request) -> web.Response:
    member = await caller(request, *WRITERS)
    grid = await _grid(request, member)
    if not _may_write(member, grid.township_id):
        raise refuse(403, texts.STAFF_OUTSIDE_GRIDS.format(township=member.township or ""))
    now: datetime = request.app[keys.CLOCK]()
    made = await grids.issue_invite(grid.id, member.id, now, timedelta(hours=INVITE_HOURS))
    log.info("grid invite issued", grid=grid.code, staff=member.username)
    return respond(
        Invite(
            code=made.code,
            scene=grids.SCENE_PREFIX + made.code,
            grid=grid.name,
            expires_at=made.expires_at.astimezone(BEIJING),
            how=texts.STAFF_INVITE_HOW.format(code=made.code),
        ),
        status=201,
    )


async def list_workers(request: web.Request) -> web.Response:
    member = await caller(request)
    grid = await _grid(request, member)
    rows = await grids.workers(grid.id)
    return respond(
        Workers(
            grid=grid.name,
            workers=[
                Worker(
                    id=w.id,
                    name=r.name,
                    openid=short_openid(r.openid),
                    bound_at=w.bound_at.astimezone(BEIJING),
                )
                for w, r in rows
            ],
        )
    )


async def unbind(request: web.Request) -> web.Response:
    member = await caller(request, *WRITERS)
    grid = await _grid(request, member)
    if not _may_write(member, grid.township_id):
        raise refuse(403, texts.STAFF_OUTSIDE_GRIDS.format(township=member.township or ""))
    ref = read_path(request, WorkerRef, texts.STAFF_WORKER_NOT_FOUND)
    worker = await GridWorker.get_or_none(id=ref.worker, grid_id=grid.id, unbound_at__isnull=True)
    if worker is None:
        raise refuse(404, texts.STAFF_WORKER_NOT_FOUND)
    await grids.unbind(grid.id, worker.resident_id, request.app[keys.CLOCK]())
    log.info("grid worker unbound", grid=grid.code, staff=member.username)
    return respond(Unbound(grid=grid.name, unbound=worker.id))


async def list_visits(request: web.Request) -> web.Response:
    """The grid's visit ledger (走访台账). Names and health are for the township's own
    staff, and every such view is recorded; county-wide readers see them masked."""
    member = await caller(request)
    grid = await _grid(request, member)
    private = member.role == "township_staff" and member.township_id == grid.township_id
    rows = await grids.visits(grid.id, 100)
    # Every read of the ledger is recorded, masked or not.
    await audit.record(
        member.id,
        audit.VIEW_VISITS if private else audit.VIEW_VISITS_MASKED,
        request.app[keys.CLOCK](),
        grid.code,
    )
    log.info("visit ledger shown", grid=grid.code, staff=member.username, whole=private)
    return respond(
        Visits(
            grid=grid.name,
            visits=[
                VisitShown(
                    id=v.id,
                    group=v.group,
                    group_name=texts.VISIT_GROUPS.get(v.group, v.group),
                    person=v.person if private else mask_name(v.person),
                    findings=v.findings if private else texts.STAFF_VISITS_PRIVATE,
                    health=v.health if private else texts.STAFF_VISITS_PRIVATE,
                    needs_help=v.needs_help,
                    visited_at=v.visited_at.astimezone(BEIJING),
                    worker=v.worker.name,
                )
                for v in rows
            ],
        )
    )


_WRITERS = roles(*WRITERS) + " Township staff only in their own township."
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
