"""Notices (政务公开) for staff: draft, publish, retract, resend, and see who was reached."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal, cast

import structlog
from aiohttp import web
from pydantic import Field, RootModel, create_model
from tortoise.expressions import Q

from bot import keys
from bot.api.auth import caller
from bot.api.errors import refuse
from bot.api.inputs import read_body, read_path, read_query
from bot.api.once import after_commit
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk.fields import (
    DIGITS,
    ID_MAX,
    STRIP,
    URL,
    Answer,
    QueryShape,
    Says,
    Shape,
    Why,
    words,
)
from bot.logs import short_openid
from bot.settings import Settings
from conversations import texts
from notifications.dispatcher import wake
from storage import notices
from storage.clock import BEIJING
from storage.models import Notice as NoticeModel
from storage.models import Township, Village
from storage.notices import Draft, NoticeConflict
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

WRITERS = ("county_admin", "township_staff")
FAILURES_SHOWN = 50
MAX_AHEAD = timedelta(days=366)  # a notice scheduled further out is a typo
_CONFLICTS = {
    notices.PUBLISHED: texts.STAFF_ALREADY_PUBLISHED,
    notices.RETRACTED: texts.STAFF_ALREADY_RETRACTED,
    notices.DRAFT: texts.STAFF_NOT_PUBLISHED,
}


# Jurisdiction ---------------------------------------------------------------------------


def _may_write(member: StaffMember, township_id: int | None) -> bool:
    """County-wide staff write anywhere; township staff only in their own township."""
    if member.role not in WRITERS:
        return False
    if member.township_id is None:
        return member.role == "county_admin"
    return township_id == member.township_id


def _may_read(member: StaffMember, notice: NoticeModel) -> bool:
    return member.township_id is None or notice.township_id in (None, member.township_id)


def _outside(member: StaffMember) -> web.HTTPException:
    if member.role not in WRITERS:
        return refuse(403, texts.STAFF_FORBIDDEN_ROLE)
    return refuse(403, texts.STAFF_OUTSIDE_JURISDICTION.format(township=member.township or ""))


# What a draft says ---------------------------------------------------------------------

# An area by its key or by the name people see.
AREA_CHOICES = (*texts.NOTICE_AREAS, *texts.NOTICE_AREAS.values())
AREA_KEYS = {name: key for key, name in texts.NOTICE_AREAS.items()}
_UNKNOWN_AREA = texts.STAFF_UNKNOWN_AREA.format(
    areas="、".join(f"{k}（{v}）" for k, v in texts.NOTICE_AREAS.items())
)
# ISO 8601 as people write it: seconds, fractions and the offset may be left out.
TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
PLACE_MAX = 32  # a township's or village's name or code
_SCOPE = Says(texts.STAFF_UNKNOWN_SCOPE, missing=True)


def _not_for(field: str, why: str) -> Says:
    return Says(texts.STAFF_FIELD_BAD.format(field=field, why=why))


class NoticeDraft(Shape):
    """What every draft says, whatever its scope (title and body limits: [notices])."""

    title: Annotated[str, words(64), STRIP]
    body: Annotated[str, words(5000), STRIP]
    area: Annotated[
        Literal[AREA_CHOICES],  # type: ignore[valid-type]
        Field(description="; ".join(f"{k}: {v}" for k, v in texts.NOTICE_AREAS.items())),
        Says(_UNKNOWN_AREA),
    ]
    link: Annotated[str | None, Field(max_length=500, pattern=URL), Says(texts.STAFF_NOT_URL)] = (
        None
    )
    scheduled_at: Annotated[
        str | None,
        Field(
            pattern=TIME,
            description="Send at this time (within a year); Beijing time when no offset is given",
        ),
        Why(texts.STAFF_WHY_TIME),
    ] = None
    scope: str
    township: str | None = None
    village: str | None = None


class CountyNotice(NoticeDraft):
    scope: Annotated[Literal["county"], _SCOPE]
    township: Annotated[None, _not_for("township", texts.STAFF_WHY_NOT_FOR_COUNTY)] = None
    village: Annotated[None, _not_for("village", texts.STAFF_WHY_NOT_FOR_COUNTY)] = None


class TownshipNotice(NoticeDraft):
    scope: Annotated[Literal["township"], _SCOPE]
    township: Annotated[
        str, words(PLACE_MAX), STRIP, Field(description="The township's name or code")
    ]
    village: Annotated[None, _not_for("village", texts.STAFF_WHY_NOT_FOR_TOWNSHIP)] = None


class VillageNotice(NoticeDraft):
    scope: Annotated[Literal["village"], _SCOPE]
    township: Annotated[
        str, words(PLACE_MAX), STRIP, Field(description="The township's name or code")
    ]
    village: Annotated[
        str,
        words(PLACE_MAX),
        STRIP,
        Field(description="The village's (community's) name or code within the township"),
    ]


class NewNotice(
    RootModel[
        Annotated[CountyNotice | TownshipNotice | VillageNotice, Field(discriminator="scope")]
    ]
):
    """A draft: its scope says which of township and village it names."""


@functools.cache
def new_notice(title_max: int, body_max: int) -> type[NewNotice]:
    """A draft's shape under this deployment's [notices] limits."""
    if (title_max, body_max) == (64, 5000):
        return NewNotice
    limited = {
        "title": (Annotated[str, words(title_max), STRIP], ...),
        "body": (Annotated[str, words(body_max), STRIP], ...),
    }
    members: list[Any] = [
        create_model(kind.__name__, __base__=kind, **limited)  # type: ignore[call-overload]
        for kind in (CountyNotice, TownshipNotice, VillageNotice)
    ]
    union: Any = Annotated[members[0] | members[1] | members[2], Field(discriminator="scope")]
    shape: Any = create_model("NewNotice", __base__=RootModel[union], __doc__=NewNotice.__doc__)
    return cast(type[NewNotice], shape)


def _shape_for(settings: Settings) -> type[NewNotice]:
    return new_notice(settings.notices.title_max, settings.notices.body_max)


class NoticeQuery(QueryShape):
    limit: Annotated[int, Field(ge=1, le=100), DIGITS, Why(texts.STAFF_WHY_COUNT)] = 20
    before: Annotated[
        Annotated[int, Field(ge=1, le=ID_MAX), DIGITS] | None,
        Field(description="Only notices with a smaller id (the next page)"),
        Why(texts.STAFF_WHY_WHOLE),
    ] = None


class NoticeRef(QueryShape):
    id: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


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


def _bad(field: str, message: str) -> web.HTTPException:
    return refuse(400, message, field=field)


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


# Showing a notice --------------------------------------------------------------------------


def _iso(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


class NoticeSummary(Answer):
    """A notice in a list."""

    id: int
    title: str
    area: str
    area_name: str
    scope: Literal["county", "township", "village"]
    township: str | None
    village: str | None
    state: Literal["draft", "published", "retracted"]
    scheduled_at: datetime | None
    published_at: datetime | None
    retracted_at: datetime | None


class NoticeList(Answer):
    """A page of notices, newest first."""

    notices: list[NoticeSummary]


class Fanout(Answer):
    done: bool


class Failure(Answer):
    delivery: int
    openid: str = Field(description="Shortened")
    channel: str
    state: Literal["failed", "dead", "unknown", "skipped"]
    reason: str | None
    errcode: int | None
    attempts: int


class DeliveryCounts(Answer):
    """Pushes by state. failed: waiting to be tried again; dead: given up (resendable);
    unknown: WeChat's answer was lost, check before resending; skipped: not sent on
    purpose (unfollowed, unsubscribed, retracted)."""

    pending: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    unknown: int = 0
    skipped: int = 0


class Notice(NoticeSummary):
    """The notice, with its delivery counts and failures."""

    body: str
    link: str | None
    created_at: datetime | None
    halted_reason: str | None = Field(description="Why sending stopped for everyone, if it did")
    fanout: Fanout
    deliveries: DeliveryCounts
    failures: list[Failure]


class NotReached(Answer):
    state: str
    reason: str | None
    count: int


class MassSend(Answer):
    """A mass send and what WeChat reported of it."""

    msg_id: str
    households: int
    status: str | None
    sent: int | None
    filtered: int | None
    errors: int | None


class Report(NoticeSummary):
    """The delivery report: households reached by channel, and why the rest were not."""

    households: int
    reached: dict[str, int] = Field(description="Households reached, by channel")
    reached_total: int
    not_reached: list[NotReached]
    waiting: int
    mass_sends: list[MassSend]


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


async def _full(notice: NoticeModel) -> Notice:
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


async def _notice(request: web.Request, member: StaffMember) -> NoticeModel:
    ref = read_path(request, NoticeRef, texts.STAFF_NOTICE_NOT_FOUND)
    notice = await notices.get(ref.id)
    # Someone else's jurisdiction looks the same as nothing at all.
    if notice is None or not _may_read(member, notice):
        raise refuse(404, texts.STAFF_NOTICE_NOT_FOUND)
    return notice


# Handlers --------------------------------------------------------------------------------


async def create(request: web.Request) -> web.Response:
    member = await caller(request)
    now = request.app[keys.CLOCK]()
    draft: NoticeDraft = (await read_body(request, _shape_for(request.app[keys.SETTINGS]))).root
    township, village = await _place(draft)
    when = _when(draft.scheduled_at, now)
    if not _may_write(member, township.id if township else None):
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
    return await _as_it_is_now(notice.id, status=201)


async def list_notices(request: web.Request) -> web.Response:
    member = await caller(request)
    query = read_query(request, NoticeQuery)
    q = NoticeModel.all().select_related("township", "village").order_by("-id").limit(query.limit)
    if query.before is not None:
        q = q.filter(id__lt=query.before)
    if member.township_id is not None:
        q = q.filter(Q(township_id=member.township_id) | Q(township_id__isnull=True))
    return respond(NoticeList(notices=[NoticeSummary(**_summary(n)) for n in await q]))


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    notice = await _notice(request, member)
    return respond(await _full(notice))


async def _writable(request: web.Request) -> tuple[StaffMember, NoticeModel]:
    """The caller and the notice in the path, when they may change it."""
    member = await caller(request)
    notice = await _notice(request, member)
    if not _may_write(member, notice.township_id):
        raise _outside(member)
    return member, notice


async def _as_it_is_now(notice_id: int, status: int = 200) -> web.Response:
    fresh = await notices.get(notice_id)
    assert fresh is not None  # notices are never deleted
    return respond(await _full(fresh), status=status)


async def publish(request: web.Request) -> web.Response:
    member, notice = await _writable(request)
    if notice.state == notices.RETRACTED:
        raise refuse(409, texts.STAFF_RETRACTED_NO_PUBLISH)
    try:
        await notices.publish(notice.id, staff_id=member.id, now=request.app[keys.CLOCK]())
    except NoticeConflict as exc:
        raise refuse(409, _CONFLICTS.get(exc.state, texts.STAFF_ALREADY_PUBLISHED)) from None
    log.info("notice published", notice=notice.id, staff=member.username)
    request.app[keys.FANOUT].poke()
    return await _as_it_is_now(notice.id)


async def retract(request: web.Request) -> web.Response:
    member, notice = await _writable(request)
    try:
        stopped = await notices.retract(
            notice.id, now=request.app[keys.CLOCK](), reason=texts.REASON_RETRACTED
        )
    except NoticeConflict as exc:
        raise refuse(409, _CONFLICTS.get(exc.state, texts.STAFF_NOT_PUBLISHED)) from None
    log.info("notice retracted", notice=notice.id, staff=member.username, stopped=stopped)
    return await _as_it_is_now(notice.id)


async def resend(request: web.Request) -> web.Response:
    """Dead and unknown deliveries go out again (after staff fixed the cause)."""
    member, notice = await _writable(request)
    if notice.state != notices.PUBLISHED:
        raise refuse(409, _CONFLICTS.get(notice.state, texts.STAFF_NOT_PUBLISHED))
    count = await notices.resend_failed(notice.id, request.app[keys.CLOCK]())
    if not count:
        raise refuse(409, texts.STAFF_NOTHING_TO_RESEND)
    log.info("notice resent", notice=notice.id, staff=member.username, deliveries=count)
    await after_commit(request, partial(wake, request.app[keys.REDIS]))
    return await _as_it_is_now(notice.id)


async def report(request: web.Request) -> web.Response:
    member = await caller(request)
    notice = await _notice(request, member)
    figures = await notices.report(notice.id)
    return respond(Report(**_summary(notice), **figures))


_WRITERS = roles(*WRITERS) + " Township staff only in their own township."
OPERATIONS = [
    Operation(
        "GET", "/notices", list_notices, "Notices within the caller's jurisdiction, newest first",
        NoticeList, query=NoticeQuery,
    ),
    Operation(
        "POST", "/notices", create, "Draft a notice", Notice, status=201, body=_shape_for,
        refusals=(403,), description=_WRITERS,
    ),
    Operation(
        "GET", "/notices/{id}", show, "A notice with its delivery counts and failures", Notice,
        params=NoticeRef,
    ),
    Operation(
        "POST", "/notices/{id}/publish", publish,
        "Publish a draft and send it to every household in scope that asked for its area "
        "(everyone in scope for 应急预警); at its scheduled time if it has one",
        Notice, params=NoticeRef, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "POST", "/notices/{id}/retract", retract,
        "Retract a published notice: what has not been sent yet is not sent",
        Notice, params=NoticeRef, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "POST", "/notices/{id}/resend", resend,
        "Send the dead and unknown deliveries again (after fixing the cause)",
        Notice, params=NoticeRef, refusals=(403, 409), description=_WRITERS,
    ),
    Operation(
        "GET", "/notices/{id}/report", report,
        "The delivery report: households reached by channel, and why the rest were not",
        Report, params=NoticeRef,
    ),
]  # fmt: skip
