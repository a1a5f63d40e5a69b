"""Queries about residents and where they live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from storage import outbox
from storage.models import Resident, Subscription, Township, Village


@dataclass(frozen=True)
class Place:
    id: int
    name: str


async def record_subscribe(
    appid: str,
    openid: str,
    at: datetime,
    scene: str | None,
    *,
    township: str = "",
    default_areas: Sequence[str] = (),
) -> bool:
    """关注: create the resident or mark them subscribed again. A first-time follower is
    subscribed to ``default_areas``, and placed in ``township`` (the account's, if it
    belongs to one). Returns whether they are new."""
    async with in_transaction():
        resident = await Resident.select_for_update().get_or_none(appid=appid, openid=openid)
        if resident is not None:
            resident.subscribed = True
            resident.subscribed_at = at
            if scene:
                resident.subscribe_scene = scene
            await resident.save(update_fields=["subscribed", "subscribed_at", "subscribe_scene"])
            return False
        place = await Township.get_or_none(name=township) if township else None
        resident = await Resident.create(
            appid=appid,
            openid=openid,
            subscribed=True,
            subscribed_at=at,
            subscribe_scene=scene,
            township=place,
        )
        await Subscription.bulk_create(
            [Subscription(resident=resident, area=a, created_at=at) for a in default_areas]
        )
        return True


async def record_unsubscribe(appid: str, openid: str, at: datetime, reason: str) -> None:
    """取消关注: keep the record (their tickets stay theirs), stop counting them as followers,
    and send nothing more that is still queued for them (``reason`` says why)."""
    async with in_transaction():
        updated = await Resident.filter(appid=appid, openid=openid).update(
            subscribed=False, unsubscribed_at=at
        )
        if not updated:
            await Resident.create(appid=appid, openid=openid, subscribed=False, unsubscribed_at=at)
        await outbox.skip_pending_to(appid, openid, reason)


async def ensure_resident(appid: str, openid: str) -> Resident:
    """Someone can write before we ever saw their 关注 (followers from before we started)."""
    resident, _ = await Resident.get_or_create(appid=appid, openid=openid)
    return resident


async def village_of(appid: str, openid: str) -> tuple[str, str] | None:
    """(township name, village name) where the resident lives, if they told us."""
    resident = await Resident.get_or_none(appid=appid, openid=openid).select_related(
        "village__township"
    )
    if resident is None or resident.village is None:
        return None
    return resident.village.township.name, resident.village.name


async def set_village(appid: str, openid: str, village_id: int) -> None:
    village = await Village.get(id=village_id)
    resident = await ensure_resident(appid, openid)
    resident.village_id = village_id
    resident.township_id = village.township_id
    await resident.save(update_fields=["village_id", "township_id"])


async def place_of(appid: str, openid: str) -> tuple[Resident, str | None] | None:
    """The resident and the name of the place notices reach them for (village, else
    township), or None if we never saw them."""
    resident = await Resident.get_or_none(appid=appid, openid=openid).select_related(
        "township", "village"
    )
    if resident is None:
        return None
    if resident.village is not None and resident.township is not None:
        return resident, resident.township.name + resident.village.name
    return resident, resident.township.name if resident.township else None


async def townships() -> list[Place]:
    return [Place(t.id, t.name) for t in await Township.all().order_by("id")]


async def villages(township_id: int) -> list[Place]:
    rows = await Village.filter(township_id=township_id).order_by("id")
    return [Place(v.id, v.name) for v in rows]


async def place_names(village_id: int) -> tuple[str, str] | None:
    village = await Village.get_or_none(id=village_id).select_related("township")
    if village is None:
        return None
    return village.township.name, village.name


@dataclass(frozen=True)
class Profile:
    """What the account keeps about a person to handle their requests."""

    resident_id: int
    name: str | None
    phone: str | None
    township_id: int | None
    village_id: int | None
    township: str | None
    village: str | None
    consented: bool

    @property
    def complete(self) -> bool:
        """Enough to make a ticket: agreed to the notice, and said who and where they are."""
        return bool(self.consented and self.name and self.phone and self.village_id)


async def profile(appid: str, openid: str) -> Profile:
    resident = await ensure_resident(appid, openid)
    await resident.fetch_related("township", "village")
    return Profile(
        resident.id,
        resident.name,
        resident.phone,
        resident.township_id,
        resident.village_id,
        resident.township.name if resident.township else None,
        resident.village.name if resident.village else None,
        resident.consented_at is not None,
    )


async def register(
    appid: str,
    openid: str,
    *,
    at: datetime,
    name: str | None = None,
    phone: str | None = None,
    village_id: int | None = None,
) -> None:
    """Store what the person gave (after they agreed to the personal-information notice)."""
    resident = await ensure_resident(appid, openid)
    fields = ["consented_at"]
    if resident.consented_at is None:
        resident.consented_at = at
    if name is not None:
        resident.name = name
        fields.append("name")
    if phone is not None:
        resident.phone = phone
        fields.append("phone")
    if village_id is not None:
        village = await Village.get(id=village_id)
        resident.village_id = village_id
        resident.township_id = village.township_id
        fields += ["village_id", "township_id"]
    await resident.save(update_fields=fields)


async def forget(appid: str, openid: str) -> None:
    """Delete what they told us (name, phone, village, consent). Tickets they made keep the
    contact given then, for the staff still handling them."""
    await Resident.filter(appid=appid, openid=openid).update(
        name=None, phone=None, village_id=None, consented_at=None
    )
