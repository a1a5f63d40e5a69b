"""Notices (政务公开) for staff: who may write and read them, drafting, publishing,
retracting, resending, and the delivery report. Shared by the API and the console, so
the two cannot disagree on whose notice is whose or what a state allows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from tortoise.expressions import Q

from bot.desk.notice_shapes import (
    AREA_KEYS,
    Bucket,
    DeliveryCounts,
    Failure,
    Fanout,
    NewNotice,
    Notice,
    NoticeDraft,
    NoticeList,
    NoticeQuery,
    NoticeSummary,
    Report,
    SentOverTime,
)
from bot.desk.reading import read
from bot.desk.refused import Refused
from bot.logs import short_openid
from conversations import texts
from storage import notices
from storage.clock import BEIJING
from storage.models import Notice as NoticeModel
from storage.models import Township, Village
from storage.notices import Draft, NoticeConflict
from storage.staff import ROLES, StaffMember

log = structlog.get_logger(__name__)

WRITERS = ("county_admin", "township_staff")
# Everyone at the desk reads notices within their jurisdiction; only WRITERS change them.
READERS: frozenset[str] = frozenset(ROLES)
FAILURES_SHOWN = 50
MAX_AHEAD = timedelta(days=366)  # a notice scheduled further out is a typo
_CONFLICTS = {
    notices.PUBLISHED: texts.STAFF_ALREADY_PUBLISHED,
    notices.RETRACTED: texts.STAFF_ALREADY_RETRACTED,
    notices.DRAFT: texts.STAFF_NOT_PUBLISHED,
}
# What may be done to a notice, in the order the console offers it.
ACTIONS = ("publish", "retract", "resend")


# Jurisdiction ---------------------------------------------------------------------------


def may_write(member: StaffMember, township_id: int | None) -> bool:
    """County-wide staff write anywhere; township staff only in their own township."""
    if member.role not in WRITERS:
        return False
    if member.township_id is None:
        return member.role == "county_admin"
    return township_id == member.township_id


def may_read(member: StaffMember, notice: NoticeModel) -> bool:
    return member.township_id is None or notice.township_id in (None, member.township_id)


def scopes_for(member: StaffMember) -> list[str]:
    """The scopes this person may write a notice for (none: they may not write)."""
    if member.role not in WRITERS:
        return []
    if member.township_id is None:
        return list(notices.SCOPES) if member.role == "county_admin" else []
    return ["township", "village"]


def _outside(member: StaffMember) -> Refused:
    if member.role not in WRITERS:
        return Refused(403, texts.STAFF_FORBIDDEN_ROLE)
    return Refused(403, texts.STAFF_OUTSIDE_JURISDICTION.format(township=member.township or ""))


def actions_for(member: StaffMember, notice: NoticeModel, counts: DeliveryCounts) -> list[str]:
    """What this person may do to the notice as it is now, its deliveries ``counts``
    (the API refuses the rest): publish a draft; retract a published one, and resend
    what of it failed."""
    if not may_write(member, notice.township_id):
        return []
    if notice.state == notices.DRAFT:
        return ["publish"]
    if notice.state == notices.PUBLISHED:
        resendable = counts.dead + counts.unknown
        return ["retract", "resend"] if resendable else ["retract"]
    return []


# Drafting -------------------------------------------------------------------------------


async def _place(draft: NoticeDraft) -> tuple[Township | None, Village | None]:
    """The township and village a draft names, or a 400 saying which does not exist."""
    if draft.township is None:
        return None, None
    name = draft.township
    township = await Township.get_or_none(name=name) or await Township.get_or_none(code=name)
    if township is None:
        raise _bad("township", texts.STAFF_UNKNOWN_TOWNSHIP.format(name=name))
    if draft.village is None:
        return township, None
    vname = draft.village
    village = await Village.get_or_none(
        township_id=township.id, name=vname
    ) or await Village.get_or_none(township_id=township.id, code=vname)
    if village is None:
        raise _bad(
            "village", texts.STAFF_UNKNOWN_VILLAGE.format(township=township.name, name=vname)
        )
    return township, village


def _bad(field: str, message: str) -> Refused:
    return Refused(400, message, field=field)


def _when(value: str | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        words = texts.STAFF_FIELD_BAD.format(field="scheduled_at", why=texts.STAFF_WHY_TIME)
        raise _bad("scheduled_at", words) from None
    try:
        when = when.replace(tzinfo=BEIJING) if when.tzinfo is None else when.astimezone(BEIJING)
    except (OverflowError, ValueError):
        raise _bad("scheduled_at", texts.STAFF_SCHEDULE_FAR) from None
    if when > now + MAX_AHEAD:
        raise _bad("scheduled_at", texts.STAFF_SCHEDULE_FAR)
    if when < now:
        raise _bad("scheduled_at", texts.STAFF_SCHEDULE_PAST)
    return when


async def create(
    member: StaffMember, given: object, shape: type[NewNotice], now: datetime
) -> Notice:
    """A draft from what the person gave (read as ``shape``, the deployment's limits).
    Refused: 400 bad input (``field`` names it), 403 not theirs to write; nothing is
    written then."""
    draft: NoticeDraft = read(shape, given).root
    township, village = await _place(draft)
    when = _when(draft.scheduled_at, now)
    if not may_write(member, township.id if township else None):
        raise _outside(member)
    made = Draft(
        title=draft.title,
        body=draft.body,
        area=AREA_KEYS.get(draft.area, draft.area),
        scope=draft.scope,
        township_id=township.id if township else None,
        village_id=village.id if village else None,
        link=draft.link,
        scheduled_at=when,
    )
    notice = await notices.create(made, staff_id=member.id, now=now)
    log.info("notice drafted", notice=notice.id, staff=member.username)
    return await _as_it_is_now(notice.id)


# Reading --------------------------------------------------------------------------------


def _iso(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def _summary(notice: NoticeModel) -> dict[str, Any]:
    return {
        "id": notice.id,
        "title": notice.title,
        "area": notice.area,
        "area_name": texts.NOTICE_AREAS.get(notice.area, notice.area),
        "scope": notice.scope,
        "township": notice.township.name if notice.township else None,
        "village": notice.village.name if notice.village else None,
        "state": notice.state,
        "scheduled_at": _iso(notice.scheduled_at),
        "published_at": _iso(notice.published_at),
        "retracted_at": _iso(notice.retracted_at),
    }


async def page(member: StaffMember, query: NoticeQuery) -> NoticeList:
    """One page of the notices this person may read, newest first (``before``: the
    next page after that id)."""
    q = NoticeModel.all().select_related("township", "village").order_by("-id").limit(query.limit)
    if query.before is not None:
        q = q.filter(id__lt=query.before)
    if member.township_id is not None:
        q = q.filter(Q(township_id=member.township_id) | Q(township_id__isnull=True))
    return NoticeList(notices=[NoticeSummary(**_summary(n)) for n in await q])


async def find(member: StaffMember, notice_id: int) -> NoticeModel:
    """The notice, if this person may read it; another jurisdiction's notice is refused
    exactly like one that does not exist (404)."""
    notice = await notices.get(notice_id)
    if notice is None or not may_read(member, notice):
        raise Refused(404, texts.STAFF_NOTICE_NOT_FOUND)
    return notice


async def detail(notice: NoticeModel) -> Notice:
    """The notice as staff see it: with its delivery counts and latest failures."""
    failures = await notices.failures(notice.id, FAILURES_SHOWN)
    return Notice(
        **_summary(notice),
        body=notice.body,
        link=notice.link,
        created_at=_iso(notice.created_at),
        halted_reason=notice.halted_reason,
        fanout=Fanout(done=notice.fanout_done),
        deliveries=DeliveryCounts(**await notices.delivery_counts(notice.id)),
        failures=[
            Failure(
                delivery=d.id,
                openid=short_openid(d.openid),
                channel=d.channel,
                state="failed" if d.state == "pending" else d.state,
                reason=d.last_error,
                errcode=d.last_errcode,
                attempts=d.attempts,
            )
            for d in failures
        ],
    )


async def show(member: StaffMember, notice_id: int) -> Notice:
    """A notice with its delivery counts and failures."""
    return await detail(await find(member, notice_id))


async def _as_it_is_now(notice_id: int) -> Notice:
    fresh = await notices.get(notice_id)
    assert fresh is not None  # notices are never deleted
    return await detail(fresh)


async def report(member: StaffMember, notice_id: int) -> Report:
    """The delivery report: households reached by channel, why the rest were not, and
    the sends over time."""
    return await report_of(await find(member, notice_id))


async def report_of(notice: NoticeModel) -> Report:
    """A notice's delivery report (of one this person may read: ``find``)."""
    figures = await notices.report(notice.id)
    width, buckets = await notices.sent_over_time(notice.id)
    over_time = SentOverTime(
        bucket_seconds=width,
        buckets=[Bucket(start=start.astimezone(BEIJING), sent=n) for start, n in buckets],
    )
    return Report(**_summary(notice), **figures, over_time=over_time)


# Changing -------------------------------------------------------------------------------


async def _writable(member: StaffMember, notice_id: int) -> NoticeModel:
    notice = await find(member, notice_id)
    if not may_write(member, notice.township_id):
        raise _outside(member)
    return notice


async def publish(member: StaffMember, notice_id: int, now: datetime) -> Notice:
    """Publish a draft (at its scheduled time if it has one). Refused: 404, 403, 409 a
    notice already published or retracted. The caller wakes the fan-out."""
    notice = await _writable(member, notice_id)
    if notice.state == notices.RETRACTED:
        raise Refused(409, texts.STAFF_RETRACTED_NO_PUBLISH)
    try:
        await notices.publish(notice.id, staff_id=member.id, now=now)
    except NoticeConflict as exc:
        raise Refused(409, _CONFLICTS.get(exc.state, texts.STAFF_ALREADY_PUBLISHED)) from None
    log.info("notice published", notice=notice.id, staff=member.username)
    return await _as_it_is_now(notice.id)


async def retract(member: StaffMember, notice_id: int, now: datetime) -> Notice:
    """Retract a published notice: what has not been sent yet is not sent. Refused: 404,
    403, 409 not published."""
    notice = await _writable(member, notice_id)
    try:
        stopped = await notices.retract(notice.id, now=now, reason=texts.REASON_RETRACTED)
    except NoticeConflict as exc:
        raise Refused(409, _CONFLICTS.get(exc.state, texts.STAFF_NOT_PUBLISHED)) from None
    log.info("notice retracted", notice=notice.id, staff=member.username, stopped=stopped)
    return await _as_it_is_now(notice.id)


async def resend(member: StaffMember, notice_id: int, now: datetime) -> Notice:
    """Dead and unknown deliveries go out again (after staff fixed the cause). Refused:
    404, 403, 409 not published or nothing to resend. The caller wakes the dispatcher
    once this is committed."""
    notice = await _writable(member, notice_id)
    if notice.state != notices.PUBLISHED:
        raise Refused(409, _CONFLICTS.get(notice.state, texts.STAFF_NOT_PUBLISHED))
    count = await notices.resend_failed(notice.id, now)
    if not count:
        raise Refused(409, texts.STAFF_NOTHING_TO_RESEND)
    log.info("notice resent", notice=notice.id, staff=member.username, deliveries=count)
    return await _as_it_is_now(notice.id)
