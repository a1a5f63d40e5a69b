"""Grids (网格) for staff: which grids a person sees and may manage, creating one, issuing
one-time binding codes for grid workers, who works a grid, unbinding, and the visit
ledger (走访台账) with its names and health for the township's own staff only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot.desk.grid_shapes import (
    GridList,
    GridQuery,
    GridShown,
    Invite,
    NewGrid,
    Unbound,
    Visits,
    VisitShown,
    Worker,
    Workers,
)
from bot.desk.refused import Refused, only
from bot.desk.tickets import mask_name
from bot.logs import short_openid
from conversations import texts
from storage import audit, grids
from storage.clock import BEIJING
from storage.models import Grid, GridInvite, GridWorker, Township, Village, Visit
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

WRITERS = ("county_admin", "township_staff")
INVITE_HOURS = 72
VISITS_SHOWN = 100


# Jurisdiction ---------------------------------------------------------------------------


def visible(member: StaffMember) -> Q:
    """The grids a staff member may see: their township's, or every one."""
    if member.role == "department_handler":
        return Q(id=-1)  # grids belong to townships, not to county departments
    if member.role == "county_admin" or member.township_id is None:
        return Q()
    return Q(township_id=member.township_id)


def may_write(member: StaffMember, township_id: int) -> bool:
    """Whether this person manages the grids of that township: invites, unbinding, new
    grids."""
    if member.role == "county_admin":
        return True
    return member.role == "township_staff" and member.township_id == township_id


def _writer(member: StaffMember) -> None:
    only(member.role, *WRITERS)


def _outside(member: StaffMember) -> Refused:
    return Refused(403, texts.STAFF_OUTSIDE_GRIDS.format(township=member.township or ""))


async def find(member: StaffMember, grid_id: int) -> Grid:
    """The grid, with its township and village; 404 when it is not there or not theirs
    to see (the same refusal, so a grid of another township is not even confirmed)."""
    grid = (
        await Grid.filter(visible(member), id=grid_id).select_related("township", "village").first()
    )
    if grid is None:
        raise Refused(404, texts.STAFF_GRID_NOT_FOUND)
    return grid


def shown(grid: Grid) -> GridShown:
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


# Reading --------------------------------------------------------------------------------


async def listed(member: StaffMember, query: GridQuery) -> GridList:
    """The grids within the person's jurisdiction, optionally of one township."""
    q = Grid.filter(visible(member)).select_related("township", "village").order_by("id")
    if query.township is not None:
        q = q.filter(township__name=query.township)
    return GridList(grids=[shown(g) for g in await q])


def _worker(row: GridWorker) -> Worker:
    return Worker(
        id=row.id,
        name=row.resident.name,
        openid=short_openid(row.resident.openid),
        bound_at=row.bound_at.astimezone(BEIJING),
    )


async def workers(member: StaffMember, grid_id: int) -> Workers:
    grid = await find(member, grid_id)
    rows = await grids.workers(grid.id)
    return Workers(grid=grid.name, workers=[_worker(w) for w, _ in rows])


async def workers_of(grid_ids: list[int]) -> dict[int, list[Worker]]:
    """The workers of several grids at once (a page of grids), each grid's in binding
    order; ids the caller already found visible."""
    found: dict[int, list[Worker]] = {i: [] for i in grid_ids}
    if not grid_ids:
        return found
    rows = (
        await GridWorker.filter(grid_id__in=grid_ids, unbound_at__isnull=True)
        .select_related("resident")
        .order_by("id")
    )
    for row in rows:
        found[row.grid_id].append(_worker(row))
    return found


async def townships(member: StaffMember) -> list[str]:
    """The townships whose grids this person sees, for a filter."""
    places = Township.all().order_by("id")
    if member.role == "department_handler":
        return []
    if member.role != "county_admin" and member.township_id is not None:
        places = places.filter(id=member.township_id)
    return [t.name for t in await places]


# Changing -------------------------------------------------------------------------------


async def create(member: StaffMember, given: NewGrid, now: datetime) -> GridShown:
    _writer(member)
    township = await Township.get_or_none(name=given.township)
    if township is None:
        raise _bad_field("township", texts.STAFF_UNKNOWN_TOWNSHIP.format(name=given.township))
    village = None
    if given.village is not None:
        village = await Village.get_or_none(township_id=township.id, name=given.village)
        if village is None:
            raise _bad_field(
                "village",
                texts.STAFF_UNKNOWN_VILLAGE.format(township=township.name, name=given.village),
            )
    if not may_write(member, township.id):
        raise _outside(member)
    try:
        grid = await Grid.create(
            code=given.code, name=given.name, township=township, village=village,
            latitude=given.latitude, longitude=given.longitude,
            place=given.place or (village.name if village else township.name),
            created_at=now,
        )  # fmt: skip
    except IntegrityError:
        raise Refused(409, texts.STAFF_GRID_CODE_TAKEN.format(code=given.code)) from None
    await grid.fetch_related("township", "village")
    log.info("grid created", grid=grid.code, staff=member.username)
    return shown(grid)


def _bad_field(field: str, why: str) -> Refused:
    return Refused(400, texts.STAFF_FIELD_BAD.format(field=field, why=why), field=field)


@dataclass(frozen=True)
class Issued:
    """An invite just made: its id (how the console names it, never by its code, which
    would end up in addresses and logs) and what the API shows."""

    id: int
    invite: Invite


def _invite(row: GridInvite, grid: Grid) -> Invite:
    return Invite(
        code=row.code,
        scene=grids.SCENE_PREFIX + row.code,
        grid=grid.name,
        expires_at=row.expires_at.astimezone(BEIJING),
        how=texts.STAFF_INVITE_HOW.format(code=row.code),
    )


async def managed(member: StaffMember, grid_id: int) -> Grid:
    """A grid this person manages: 403 by role, 404 when unseen, 403 outside their
    township (in that order, as the API has always answered)."""
    _writer(member)
    grid = await find(member, grid_id)
    if not may_write(member, grid.township_id):
        raise _outside(member)
    return grid


async def invite(member: StaffMember, grid_id: int, now: datetime) -> Issued:
    """A fresh one-time binding code for the grid, valid INVITE_HOURS."""
    grid = await managed(member, grid_id)
    made = await grids.issue_invite(grid.id, member.id, now, timedelta(hours=INVITE_HOURS))
    log.info("grid invite issued", grid=grid.code, staff=member.username)
    return Issued(made.id, _invite(made, grid))


async def open_invite(member: StaffMember, grid_id: int, invite_id: int, now: datetime) -> Invite:
    """An invite of this grid that can still be used, for those who manage the grid (to
    print it or show its QR code again); 404 once it is used or expired."""
    grid = await managed(member, grid_id)
    row = await GridInvite.get_or_none(
        id=invite_id, grid_id=grid.id, used_at__isnull=True, expires_at__gt=now
    )
    if row is None:
        raise Refused(404, texts.CONSOLE_GRIDS["invite_gone"])
    return _invite(row, grid)


def typed(code: str) -> str:
    """What a worker sends the account to use the code: the content of its QR code."""
    return texts.CONSOLE_GRIDS["qr_text"].format(code=code)


async def unbind(member: StaffMember, grid_id: int, worker_id: int, now: datetime) -> Unbound:
    """The worker is an ordinary resident again at once."""
    grid = await managed(member, grid_id)
    worker = await GridWorker.get_or_none(id=worker_id, grid_id=grid.id, unbound_at__isnull=True)
    if worker is None:
        raise Refused(404, texts.STAFF_WORKER_NOT_FOUND)
    await grids.unbind(grid.id, worker.resident_id, now)
    log.info("grid worker unbound", grid=grid.code, staff=member.username)
    return Unbound(grid=grid.name, unbound=worker.id)


# The visit ledger -----------------------------------------------------------------------


def sees_visits_whole(member: StaffMember, grid: Grid) -> bool:
    """Names and health are for the township's own staff; county-wide readers see them
    masked."""
    return member.role == "township_staff" and member.township_id == grid.township_id


async def visits(member: StaffMember, grid_id: int, now: datetime) -> Visits:
    """The grid's visit ledger, newest first; every read recorded, masked or not."""
    grid = await find(member, grid_id)
    private = sees_visits_whole(member, grid)
    rows = await grids.visits(grid.id, VISITS_SHOWN)
    await audit.record(
        member.id, audit.VIEW_VISITS if private else audit.VIEW_VISITS_MASKED, now, grid.code
    )
    log.info("visit ledger shown", grid=grid.code, staff=member.username, whole=private)
    return Visits(grid=grid.name, visits=[visit_shown(v, private) for v in rows])


def visit_shown(v: Visit, private: bool) -> VisitShown:
    """A visit as the ledger shows it (its worker fetched with it): whole when
    ``private`` (sees_visits_whole), else the person masked and their words hidden."""
    hidden = texts.STAFF_VISITS_PRIVATE
    return VisitShown(
        id=v.id,
        group=v.group,
        group_name=texts.VISIT_GROUPS.get(v.group, v.group),
        person=v.person if private else mask_name(v.person),
        findings=v.findings if private else hidden,
        health=v.health if private else hidden,
        needs_help=v.needs_help,
        visited_at=v.visited_at.astimezone(BEIJING),
        worker=v.worker.name,
    )
