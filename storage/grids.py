"""Grids (网格) and their workers (网格员): one-time binding codes, binding, unbinding."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storage.models import Grid, GridInvite, GridWorker, Resident, Village, Visit
from storage.residents import ensure_resident

CODE_DIGITS = 6
# The QR scene string of an invite: WeChat sends it back as the SCAN event's key, and
# with "qrscene_" before it when the scan made them follow.
SCENE_PREFIX = "grid_"


async def ensure_village_grids(now: datetime) -> int:
    """One grid per village that has none (the demo data set's grids). Returns how many."""
    have = {
        g.village_id
        for g in await Grid.filter(village_id__not_isnull=True).only("id", "village_id")
    }
    made = 0
    for village in await Village.all().order_by("id"):
        if village.id in have:
            continue
        await Grid.create(
            code=f"{village.code}-1",
            name=f"{village.name}网格",
            township_id=village.township_id,
            village_id=village.id,
            place=village.name,
            created_at=now,
        )
        made += 1
    return made


async def issue_invite(grid_id: int, staff_id: int, now: datetime, ttl: timedelta) -> GridInvite:
    """A fresh code nobody has: six digits, easy to read out over the phone."""
    for _ in range(20):
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        try:
            return await GridInvite.create(
                code=code, grid_id=grid_id, created_by_id=staff_id, created_at=now,
                expires_at=now + ttl,
            )  # fmt: skip
        except IntegrityError:
            continue
    raise RuntimeError("no free invite code after 20 tries")


class Redeemed(StrEnum):
    BOUND = "bound"
    ALREADY = "already"  # bound to that grid before this code
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Redemption:
    outcome: Redeemed
    grid: str = ""


def code_from_scene(scene: str | None) -> str | None:
    """The invite code in a QR scene (``grid_123456``, or ``qrscene_grid_123456``)."""
    if not scene:
        return None
    scene = scene.removeprefix("qrscene_")
    if not scene.startswith(SCENE_PREFIX):
        return None
    code = scene.removeprefix(SCENE_PREFIX)
    return code if code.isdecimal() and len(code) == CODE_DIGITS else None


async def redeem(code: str, appid: str, openid: str, now: datetime) -> Redemption:
    """Bind the person to the invite's grid; the code works once, before it expires."""
    async with in_transaction():
        invite = await GridInvite.filter(code=code).select_for_update().first()
        if invite is None:
            return Redemption(Redeemed.UNKNOWN)
        grid = await Grid.get(id=invite.grid_id)
        person = await ensure_resident(appid, openid)
        if invite.used_at is not None:
            if invite.used_by_id == person.id:  # the same worker sending it again
                return Redemption(Redeemed.ALREADY, grid.name)
            return Redemption(Redeemed.USED)
        if invite.expires_at <= now:
            return Redemption(Redeemed.EXPIRED)
        # Conditional, so two people racing for one code cannot both have it.
        taken = await GridInvite.filter(id=invite.id, used_at__isnull=True).update(
            used_at=now, used_by_id=person.id
        )
        if not taken:
            return Redemption(Redeemed.USED)
        if await GridWorker.filter(
            grid_id=grid.id, resident_id=person.id, unbound_at__isnull=True
        ).exists():
            return Redemption(Redeemed.ALREADY, grid.name)
        await GridWorker.create(grid_id=grid.id, resident_id=person.id, bound_at=now)
    return Redemption(Redeemed.BOUND, grid.name)


async def unbind(grid_id: int, resident_id: int, now: datetime) -> int:
    return await GridWorker.filter(
        grid_id=grid_id, resident_id=resident_id, unbound_at__isnull=True
    ).update(unbound_at=now)


async def grids_of(appid: str, openid: str) -> list[Grid]:
    """The grids a person works now (none for an ordinary resident)."""
    return await Grid.filter(
        workers__resident__appid=appid,
        workers__resident__openid=openid,
        workers__unbound_at__isnull=True,
    ).order_by("id")


async def is_worker(appid: str, openid: str) -> bool:
    return await GridWorker.filter(
        resident__appid=appid, resident__openid=openid, unbound_at__isnull=True
    ).exists()


async def workers(grid_id: int) -> list[tuple[GridWorker, Resident]]:
    rows = await GridWorker.filter(grid_id=grid_id, unbound_at__isnull=True).select_related(
        "resident"
    )
    return [(w, w.resident) for w in rows]


async def record_visit(
    appid: str,
    openid: str,
    *,
    group: str,
    person: str,
    findings: str,
    health: str,
    needs_help: bool,
    at: datetime,
) -> Visit | None:
    """A visit by this worker in their (first) grid; None if they are no longer bound."""
    places = await grids_of(appid, openid)
    if not places:
        return None
    worker = await ensure_resident(appid, openid)
    return await Visit.create(
        grid_id=places[0].id,
        worker_id=worker.id,
        group=group,
        person=person,
        findings=findings,
        health=health,
        needs_help=needs_help,
        visited_at=at,
    )


async def visits(grid_id: int, limit: int) -> list[Visit]:
    return await Visit.filter(grid_id=grid_id).select_related("worker").order_by("-id").limit(limit)
