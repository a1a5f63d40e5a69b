"""Grids for staff: list and create them, issue one-time binding codes for grid workers,
see who works a grid, and unbind a worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from aiohttp import web
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot import keys
from bot.api.auth import caller
from bot.api.errors import bad_field, json_object, only_fields, refuse, text_field
from bot.api.replies import respond
from bot.api.tickets import mask_name
from bot.logs import short_openid
from conversations import texts
from storage import grids
from storage.clock import BEIJING
from storage.models import AuditEntry, Grid, GridWorker, Township, Village
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

WRITERS = ("county_admin", "township_staff")
INVITE_HOURS = 72
FIELDS = {"code", "name", "township", "village", "latitude", "longitude", "place"}


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


def _shown(grid: Grid, workers: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": grid.id,
        "code": grid.code,
        "name": grid.name,
        "township": grid.township.name,
        "village": grid.village.name if grid.village else None,
        "latitude": grid.latitude,
        "longitude": grid.longitude,
        "place": grid.place,
    }
    if workers is not None:
        body["workers"] = workers
    return body


async def _grid(request: web.Request, member: StaffMember) -> Grid:
    try:
        grid_id = int(request.match_info["id"])
    except ValueError:
        raise refuse(404, texts.STAFF_GRID_NOT_FOUND) from None
    grid = (
        await Grid.filter(_visible(member), id=grid_id)
        .select_related("township", "village")
        .first()
        if 0 < grid_id < 2**31
        else None
    )
    if grid is None:
        raise refuse(404, texts.STAFF_GRID_NOT_FOUND)
    return grid


async def list_grids(request: web.Request) -> web.Response:
    member = await caller(request)
    q = Grid.filter(_visible(member)).select_related("township", "village").order_by("id")
    if "township" in request.query:
        q = q.filter(township__name=request.query["township"])
    rows = await q
    return respond({"grids": [_shown(g) for g in rows]})


def _coordinate(body: dict[str, Any], field: str, limit: float) -> float | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > limit:
        raise bad_field(field, f"应为 -{limit:g} 到 {limit:g} 之间的数")
    return float(value)


async def create(request: web.Request) -> web.Response:
    member = await caller(request, *WRITERS)
    body = await json_object(request)
    only_fields(body, FIELDS)
    code = text_field(body, "code", 32)
    name = text_field(body, "name", 64)
    place_name = text_field(body, "township", 32)
    township = await Township.get_or_none(name=place_name)
    if township is None:
        raise bad_field("township", texts.STAFF_UNKNOWN_TOWNSHIP.format(name=place_name))
    village = None
    if body.get("village") is not None:
        vname = text_field(body, "village", 32)
        village = await Village.get_or_none(township_id=township.id, name=vname)
        if village is None:
            raise bad_field(
                "village", texts.STAFF_UNKNOWN_VILLAGE.format(township=township.name, name=vname)
            )
    lat = _coordinate(body, "latitude", 90)
    lon = _coordinate(body, "longitude", 180)
    # Optional, but not empty when given.
    place = text_field(body, "place", 100) if body.get("place") is not None else ""
    if not _may_write(member, township.id):
        raise refuse(403, texts.STAFF_OUTSIDE_GRIDS.format(township=member.township or ""))
    now = request.app[keys.CLOCK]()
    try:
        grid = await Grid.create(
            code=code, name=name, township=township, village=village, latitude=lat,
            longitude=lon, place=place or (village.name if village else township.name),
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
        {
            "code": made.code,
            "scene": grids.SCENE_PREFIX + made.code,
            "grid": grid.name,
            "expires_at": made.expires_at.astimezone(BEIJING).isoformat(),
            "how": texts.STAFF_INVITE_HOW.format(code=made.code),
        },
        status=201,
    )


async def list_workers(request: web.Request) -> web.Response:
    member = await caller(request)
    grid = await _grid(request, member)
    rows = await grids.workers(grid.id)
    return respond(
        {
            "grid": grid.name,
            "workers": [
                {
                    "id": w.id,
                    "name": r.name,
                    "openid": short_openid(r.openid),
                    "bound_at": w.bound_at.astimezone(BEIJING).isoformat(),
                }
                for w, r in rows
            ],
        }
    )


async def unbind(request: web.Request) -> web.Response:
    member = await caller(request, *WRITERS)
    grid = await _grid(request, member)
    if not _may_write(member, grid.township_id):
        raise refuse(403, texts.STAFF_OUTSIDE_GRIDS.format(township=member.township or ""))
    try:
        worker_id = int(request.match_info["worker"])
    except ValueError:
        raise refuse(404, texts.STAFF_WORKER_NOT_FOUND) from None
    worker = (
        await GridWorker.get_or_none(id=worker_id, grid_id=grid.id, unbound_at__isnull=True)
        if 0 < worker_id < 2**63
        else None
    )
    if worker is None:
        raise refuse(404, texts.STAFF_WORKER_NOT_FOUND)
    await grids.unbind(grid.id, worker.resident_id, request.app[keys.CLOCK]())
    log.info("grid worker unbound", grid=grid.code, staff=member.username)
    return respond({"grid": grid.name, "unbound": worker.id})


async def list_visits(request: web.Request) -> web.Response:
    """The grid's visit ledger (走访台账). Names and health are for the township's own
    staff, and every such view is recorded; county-wide readers see them masked."""
    member = await caller(request)
    grid = await _grid(request, member)
    private = member.role == "township_staff" and member.township_id == grid.township_id
    rows = await grids.visits(grid.id, 100)
    # Every read of the ledger is recorded, masked or not.
    await AuditEntry.create(
        at=request.app[keys.CLOCK](),
        staff_id=member.id,
        action="view_visits" if private else "view_visits_masked",
        detail=grid.code,
    )
    log.info("visit ledger shown", grid=grid.code, staff=member.username, whole=private)
    return respond(
        {
            "grid": grid.name,
            "visits": [
                {
                    "id": v.id,
                    "group": v.group,
                    "group_name": texts.VISIT_GROUPS.get(v.group, v.group),
                    "person": v.person if private else mask_name(v.person),
                    "findings": v.findings if private else texts.STAFF_VISITS_PRIVATE,
                    "health": v.health if private else texts.STAFF_VISITS_PRIVATE,
                    "needs_help": v.needs_help,
                    "visited_at": v.visited_at.astimezone(BEIJING).isoformat(),
                    "worker": v.worker.name,
                }
                for v in rows
            ],
        }
    )
