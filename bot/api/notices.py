"""Notices (政务公开) for staff: draft, publish, retract, resend, and see who was reached."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from aiohttp import web
from tortoise.expressions import Q

from bot import keys
from bot.api.auth import caller
from bot.api.errors import json_object, only_fields, refuse, text_field
from bot.api.replies import respond
from bot.logs import short_openid
from conversations import texts
from notifications.dispatcher import wake
from storage import notices
from storage.clock import BEIJING
from storage.models import Notice, Township, Village
from storage.notices import Draft, NoticeConflict
from storage.staff import StaffMember

log = structlog.get_logger(__name__)

WRITERS = ("county_admin", "township_staff")
FIELDS = {"title", "body", "area", "scope", "township", "village", "link", "scheduled_at"}
FAILURES_SHOWN = 50
MAX_AHEAD = timedelta(days=366)  # a notice scheduled further out is a typo
ID_LIMIT = 2**63  # both databases' bigint
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


def _may_read(member: StaffMember, notice: Notice) -> bool:
    return member.township_id is None or notice.township_id in (None, member.township_id)


def _outside(member: StaffMember) -> web.HTTPException:
    if member.role not in WRITERS:
        return refuse(403, texts.STAFF_FORBIDDEN_ROLE)
    return refuse(403, texts.STAFF_OUTSIDE_JURISDICTION.format(township=member.township or ""))


# Reading a draft --------------------------------------------------------------------------


def _bad(field: str, message: str) -> web.HTTPException:
    return refuse(400, message, field=field)


def _area(body: dict[str, Any]) -> str:
    value = body.get("area")
    names = {name: key for key, name in texts.NOTICE_AREAS.items()}
    if isinstance(value, str) and (value in texts.NOTICE_AREAS or value in names):
        return names.get(value, value)
    if value is None:
        raise _bad("area", texts.STAFF_FIELD_REQUIRED.format(field="area"))
    choices = "、".join(f"{k}（{v}）" for k, v in texts.NOTICE_AREAS.items())
    raise _bad("area", texts.STAFF_UNKNOWN_AREA.format(areas=choices))


async def _place(body: dict[str, Any]) -> tuple[str, Township | None, Village | None]:
    scope = body.get("scope")
    if scope not in notices.SCOPES:
        raise _bad("scope", texts.STAFF_UNKNOWN_SCOPE)
    if scope == "county":
        for field in ("township", "village"):
            if body.get(field) is not None:
                raise _bad(field, texts.STAFF_FIELD_BAD.format(field=field, why="全县范围不用填"))
        return scope, None, None
    name = body.get("township")
    if not isinstance(name, str) or not name.strip():
        raise _bad("township", texts.STAFF_FIELD_REQUIRED.format(field="township"))
    township = await Township.get_or_none(name=name.strip()) or await Township.get_or_none(
        code=name.strip()
    )
    if township is None:
        raise _bad("township", texts.STAFF_UNKNOWN_TOWNSHIP.format(name=name))
    if scope == "township":
        if body.get("village") is not None:
            raise _bad(
                "village", texts.STAFF_FIELD_BAD.format(field="village", why="乡镇范围不用填")
            )
        return scope, township, None
    vname = body.get("village")
    if not isinstance(vname, str) or not vname.strip():
        raise _bad("village", texts.STAFF_FIELD_REQUIRED.format(field="village"))
    village = await Village.get_or_none(
        township_id=township.id, name=vname.strip()
    ) or await Village.get_or_none(township_id=township.id, code=vname.strip())
    if village is None:
        raise _bad(
            "village", texts.STAFF_UNKNOWN_VILLAGE.format(township=township.name, name=vname)
        )
    return scope, township, village


def _link(body: dict[str, Any]) -> str | None:
    value = body.get("link")
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.startswith(("http://", "https://"))
        or len(value) > 500
        or any(c.isspace() for c in value)
    ):
        raise _bad("link", texts.STAFF_NOT_URL)
    return value


def _when(body: dict[str, Any], now: datetime) -> datetime | None:
    value = body.get("scheduled_at")
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        raise _bad(
            "scheduled_at",
            texts.STAFF_FIELD_BAD.format(field="scheduled_at", why="应为 ISO 8601 时间"),
        )
    try:
        when = when.replace(tzinfo=BEIJING) if when.tzinfo is None else when.astimezone(BEIJING)
    except (OverflowError, ValueError):
        when = None
    if when is None or when > now + MAX_AHEAD:
        raise _bad("scheduled_at", texts.STAFF_SCHEDULE_FAR)
    if when < now:
        raise _bad("scheduled_at", texts.STAFF_SCHEDULE_PAST)
    return when


# Showing a notice --------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(BEIJING).isoformat() if value else None


def _summary(notice: Notice) -> dict[str, Any]:
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


async def _full(notice: Notice) -> dict[str, Any]:
    failures = await notices.failures(notice.id, FAILURES_SHOWN)
    return {
        **_summary(notice),
        "body": notice.body,
        "link": notice.link,
        "created_at": _iso(notice.created_at),
        "halted_reason": notice.halted_reason,
        "fanout": {"done": notice.fanout_done},
        "deliveries": await notices.delivery_counts(notice.id),
        "failures": [
            {
                "delivery": d.id,
                "openid": short_openid(d.openid),
                "channel": d.channel,
                "state": "failed" if d.state == "pending" else d.state,
                "reason": d.last_error,
                "errcode": d.last_errcode,
                "attempts": d.attempts,
            }
            for d in failures
        ],
    }


async def _notice(request: web.Request, member: StaffMember) -> Notice:
    try:
        notice_id = int(request.match_info["id"])
    except ValueError:
        raise refuse(404, texts.STAFF_NOTICE_NOT_FOUND) from None
    if not 0 < notice_id < ID_LIMIT:
        raise refuse(404, texts.STAFF_NOTICE_NOT_FOUND)
    notice = await notices.get(notice_id)
    # Someone else's jurisdiction looks the same as nothing at all.
    if notice is None or not _may_read(member, notice):
        raise refuse(404, texts.STAFF_NOTICE_NOT_FOUND)
    return notice


# Handlers --------------------------------------------------------------------------------


async def create(request: web.Request) -> web.Response:
    member = await caller(request)
    body = await json_object(request)
    only_fields(body, FIELDS)
    limits = request.app[keys.SETTINGS].notices
    now = request.app[keys.CLOCK]()
    title = text_field(body, "title", limits.title_max)
    text = text_field(body, "body", limits.body_max)
    area = _area(body)
    scope, township, village = await _place(body)
    link = _link(body)
    when = _when(body, now)
    if not _may_write(member, township.id if township else None):
        raise _outside(member)
    draft = Draft(
        title=title,
        body=text,
        area=area,
        scope=scope,
        township_id=township.id if township else None,
        village_id=village.id if village else None,
        link=link,
        scheduled_at=when,
    )
    notice = await notices.create(draft, staff_id=member.id, now=now)
    log.info("notice drafted", notice=notice.id, staff=member.username)
    return await _as_it_is_now(notice.id, status=201)


async def list_notices(request: web.Request) -> web.Response:
    member = await caller(request)
    try:
        limit = min(max(int(request.query.get("limit", "20")), 1), 100)
        before = int(request.query["before"]) if "before" in request.query else None
        if before is not None and not 0 < before < ID_LIMIT:
            raise ValueError(before)
    except ValueError:
        raise refuse(
            400, texts.STAFF_FIELD_BAD.format(field="limit/before", why="应为整数")
        ) from None
    q = Notice.all().select_related("township", "village").order_by("-id").limit(limit)
    if before is not None:
        q = q.filter(id__lt=before)
    if member.township_id is not None:
        q = q.filter(Q(township_id=member.township_id) | Q(township_id__isnull=True))
    rows = [_summary(n) for n in await q]
    return respond({"notices": rows})


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    notice = await _notice(request, member)
    return respond(await _full(notice))


async def _writable(request: web.Request) -> tuple[StaffMember, Notice]:
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
    await wake(request.app[keys.REDIS])
    return await _as_it_is_now(notice.id)


async def report(request: web.Request) -> web.Response:
    member = await caller(request)
    notice = await _notice(request, member)
    figures = await notices.report(notice.id)
    return respond({**_summary(notice), **figures})
