"""Policy notices and subscriptions: drafting, publishing, retracting, who receives what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from storage import outbox
from storage.models import Delivery, MassJob, Notice, Resident, Subscription
from storage.outbox import DEAD, PENDING, SENDING, SENT, SKIPPED, UNKNOWN

DRAFT, PUBLISHED, RETRACTED = "draft", "published", "retracted"
SCOPES = ("county", "township", "village")
# The one area that reaches everyone in scope, subscribed or not.
EMERGENCY = "emergency"


class NoticeConflict(Exception):
    """The notice is not in a state that allows this; ``state`` is the one it is in."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def source_of(notice_id: int) -> str:
    return f"notice:{notice_id}"


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    area: str
    scope: str
    township_id: int | None
    village_id: int | None
    link: str | None
    scheduled_at: datetime | None


async def create(draft: Draft, *, staff_id: int, now: datetime) -> Notice:
    return await Notice.create(
        title=draft.title,
        body=draft.body,
        area=draft.area,
        scope=draft.scope,
        township_id=draft.township_id,
        village_id=draft.village_id,
        link=draft.link,
        scheduled_at=draft.scheduled_at,
        state=DRAFT,
        created_by_id=staff_id,
        created_at=now,
    )


async def get(notice_id: int) -> Notice | None:
    return await Notice.get_or_none(id=notice_id).select_related("township", "village")


async def _state_of(notice_id: int) -> str:
    notice = await Notice.get_or_none(id=notice_id)
    if notice is None:
        raise LookupError(notice_id)
    return notice.state


async def publish(notice_id: int, *, staff_id: int, now: datetime) -> Notice:
    """Publish a draft. The fan-out is recorded with it (cursor 0, not done), so a crash
    right after still sends it: a fan-out in any process picks it up. One conditional
    UPDATE, so two staff pressing publish at once publish it once."""
    notice = await Notice.get_or_none(id=notice_id)
    if notice is None:
        raise LookupError(notice_id)
    when = max(now, notice.scheduled_at) if notice.scheduled_at else now
    took = await Notice.filter(id=notice_id, state=DRAFT).update(
        state=PUBLISHED,
        published_by_id=staff_id,
        published_at=when,
        fanout_cursor=0,
        fanout_done=False,
    )
    if not took:
        raise NoticeConflict(await _state_of(notice_id))
    await notice.refresh_from_db()
    return notice


async def retract(notice_id: int, *, now: datetime, reason: str) -> int:
    """Retract a published notice: its fan-out stops and what is still queued is skipped
    with ``reason``, in one transaction. Returns how many queued deliveries were stopped."""
    async with in_transaction():
        took = await Notice.filter(id=notice_id, state=PUBLISHED).update(
            state=RETRACTED, retracted_at=now, fanout_done=True, fanout_owner=None
        )
        if not took:
            raise NoticeConflict(await _state_of(notice_id))
        return await Delivery.filter(source=source_of(notice_id), state=PENDING).update(
            state=SKIPPED, last_error=reason[:200]
        )


async def halt(notice_id: int, reason: str, why: str) -> int:
    """WeChat refused the request itself (bad template or arguments): stop the whole
    notice. ``reason`` is shown on the notice, ``why`` on each delivery stopped."""
    async with in_transaction():
        # The fan-out stays unfinished: a resend after the fix lets it carry on.
        await Notice.filter(id=notice_id, halted_reason__isnull=True).update(
            halted_reason=reason[:200]
        )
        return await Delivery.filter(source=source_of(notice_id), state=PENDING).update(
            state=DEAD, last_error=why[:200]
        )


async def resend_failed(notice_id: int, now: datetime) -> int:
    """Staff resend: dead and unknown deliveries go back to the queue, counted afresh."""
    async with in_transaction():
        # A mass send whose fan-out is not finished (it was halted) waits for everyone
        # again (outbox.HELD).
        waiting = await Notice.filter(id=notice_id, fanout_done=False).exists()
        again = Delivery.filter(source=source_of(notice_id), state__in=[DEAD, UNKNOWN])
        count = 0
        if waiting:
            count += await again.filter(channel="mass").update(
                state=PENDING, attempts=0, next_attempt_at=outbox.HELD, last_error=None
            )
            again = again.exclude(channel="mass")
        count += await again.update(state=PENDING, attempts=0, next_attempt_at=now, last_error=None)
        if count:  # nothing to resend changes nothing, the halt included
            await Notice.filter(id=notice_id).update(halted_reason=None)
        return count


# What the bot shows --------------------------------------------------------------------


def _in_scope(township_id: int | None, village_id: int | None) -> Q:
    """Notices a person living there may read: the county's, their township's, their
    village's."""
    q = Q(scope="county")
    if township_id is not None:
        q |= Q(scope="township", township_id=township_id)
    if village_id is not None:
        q |= Q(scope="village", village_id=village_id)
    return q


async def latest_for(
    township_id: int | None, village_id: int | None, *, now: datetime, limit: int
) -> list[Notice]:
    return (
        await Notice.filter(
            _in_scope(township_id, village_id), state=PUBLISHED, published_at__lte=now
        )
        .select_related("township", "village")
        .order_by("-published_at", "-id")
        .limit(limit)
    )


async def readable(
    notice_id: int, township_id: int | None, village_id: int | None
) -> Notice | None:
    """The notice if it is published and in the person's scope; None otherwise."""
    return (
        await Notice.filter(_in_scope(township_id, village_id), id=notice_id, state=PUBLISHED)
        .select_related("township", "village")
        .first()
    )


async def areas_of(resident_id: int) -> set[str]:
    rows = await Subscription.filter(resident_id=resident_id).values("area")
    return {str(row["area"]) for row in rows}


async def subscribe(resident_id: int, areas: Iterable[str], now: datetime) -> None:
    have = await areas_of(resident_id)
    new = [a for a in areas if a not in have]
    if new:
        await Subscription.bulk_create(
            [Subscription(resident_id=resident_id, area=a, created_at=now) for a in new],
            ignore_conflicts=True,
        )


async def unsubscribe(resident_id: int, area: str, *, reason: str) -> int:
    """Stop an area at once, including what is already queued for this person under it.
    Returns how many queued deliveries were stopped."""
    async with in_transaction():
        await Subscription.filter(resident_id=resident_id, area=area).delete()
        resident = await Resident.get(id=resident_id)
        return await Delivery.filter(
            appid=resident.appid, openid=resident.openid, topic=area, state=PENDING
        ).update(state=SKIPPED, last_error=reason[:200])


# Fan-out -------------------------------------------------------------------------------


async def claim_fanout(owner: str, *, now: datetime, lease: timedelta) -> Notice | None:
    """Lease one published notice whose fan-out is due and unfinished (or whose last
    fan-out process stopped holding its lease)."""
    free = Q(fanout_owner__isnull=True) | Q(fanout_until__lt=now)
    due = (
        await Notice.filter(
            free,
            state=PUBLISHED,
            fanout_done=False,
            halted_reason__isnull=True,
            published_at__lte=now,
        )
        .order_by("published_at", "id")
        .limit(1)
        .values("id")
    )
    if not due:
        return None
    candidate = int(due[0]["id"])
    took = await Notice.filter(free, id=candidate, state=PUBLISHED, fanout_done=False).update(
        fanout_owner=owner, fanout_until=now + lease
    )
    if not took:
        return None  # another process got there first
    return await Notice.get_or_none(id=candidate, fanout_owner=owner)


async def recipients(
    notice: Notice, appid: str, *, after: int, limit: int
) -> list[tuple[int, str]]:
    """Followers in the notice's scope who asked for its area (everyone, for 应急预警),
    the next ``limit`` after resident id ``after``, in id order.

    Written out so that both databases walk the residents' primary key from ``after``
    and probe the (resident, area) index for each: a subquery made them read every
    subscription on every page, which made a 100,000-household fan-out quadratic.
    """
    conn = get_connection("default")
    pg = conn.capabilities.dialect == "postgres"
    where = ["r.appid = {}", "r.subscribed = {}", "r.id > {}"]
    args: list[Any] = [appid, True, after]
    if notice.scope == "township":
        where.append("r.township_id = {}")
        args.append(notice.township_id)
    elif notice.scope == "village":
        where.append("r.village_id = {}")
        args.append(notice.village_id)
    if notice.area != EMERGENCY:
        # "s.resident_id > after" says again what r.id > after implies: without it
        # PostgreSQL merge-joins every subscription from the first on each page.
        where.append(
            "EXISTS (SELECT 1 FROM subscription s WHERE s.resident_id = r.id AND s.area = {}"
            " AND s.resident_id > {})"
        )
        args.extend([notice.area, after])
    args.append(limit)
    marks = [f"${i}" if pg else "?" for i in range(1, len(args) + 1)]
    sql = (
        "SELECT r.id, r.openid FROM resident r WHERE "
        + " AND ".join(where)
        + " ORDER BY r.id LIMIT {}"
    ).format(*marks)
    rows = await conn.execute_query_dict(sql, args)
    return [(int(row["id"]), str(row["openid"])) for row in rows]


async def followers(appid: str, openids: Sequence[str], area: str) -> dict[str, tuple[bool, bool]]:
    """For each of these people we know: whether they still follow the account, and
    whether they still ask for ``area``. One statement for a dispatcher's whole batch."""
    if not openids:
        return {}
    conn = get_connection("default")
    asked = "EXISTS (SELECT 1 FROM subscription s WHERE s.resident_id = r.id AND s.area = {})"
    if conn.capabilities.dialect == "postgres":
        sql = (
            f"SELECT r.openid, r.subscribed, {asked.format('$3')} AS asked FROM resident r"
            " WHERE r.appid = $1 AND r.openid = ANY($2::text[])"
        )
        args: list[Any] = [appid, list(openids), area]
    else:
        sql = (
            f"SELECT r.openid, r.subscribed, {asked.format('?')} AS asked FROM resident r"
            f" WHERE r.appid = ? AND r.openid IN ({', '.join('?' * len(openids))})"
        )
        args = [area, appid, *openids]
    rows = await conn.execute_query_dict(sql, args)
    return {str(r["openid"]): (bool(r["subscribed"]), bool(r["asked"])) for r in rows}


async def queue_page(
    notice: Notice,
    owner: str,
    *,
    appid: str,
    page_size: int,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    lease: timedelta,
) -> int | None:
    """Queue one page of recipients and move the saved place past them, in one
    transaction. Returns how many were queued, or None when the lease was lost or the
    notice stopped (retracted, halted) under us."""
    page = await recipients(notice, appid, after=notice.fanout_cursor, limit=page_size)
    source = source_of(notice.id)
    async with in_transaction() as tx:
        still = await Notice.filter(
            id=notice.id,
            fanout_owner=owner,
            state=PUBLISHED,
            fanout_done=False,
            halted_reason__isnull=True,
        ).update(
            fanout_cursor=page[-1][0] if page else notice.fanout_cursor,
            fanout_done=len(page) < page_size,
            fanout_until=now + lease,
            fanout_owner=owner if len(page) == page_size else None,
        )
        if not still:
            return None
        # A mass send waits for everyone to be queued, then goes in as few calls as
        # WeChat allows (outbox.HELD).
        held = channel == "mass"
        if page:
            await outbox.enqueue_many(
                source=source,
                topic=notice.area,
                appid=appid,
                openids=[openid for _, openid in page],
                channel=channel,
                payload=payload,
                now=now,
                connection=tx,
                held=held,
            )
        if len(page) < page_size:  # everyone is queued, whoever held what
            await outbox.release_held(source, now, tx)
    if page:
        notice.fanout_cursor = page[-1][0]
    return len(page)


# Counting ------------------------------------------------------------------------------


COUNTED_STATES = ("pending", "sent", "failed", "dead", "unknown", "skipped")


async def delivery_counts(notice_id: int) -> dict[str, int]:
    """Deliveries by state as staff read them: ``failed`` is waiting to be tried again
    after a failed attempt; a channel that handed over to the next is not counted."""
    rows = (
        await Delivery.filter(source=source_of(notice_id), fell_back=False)
        .annotate(n=Count("id"))
        .group_by("state", "last_error")
        .values("state", "last_error", "n")
    )
    counts = dict.fromkeys(COUNTED_STATES, 0)
    for row in rows:
        state = row["state"]
        if state in (PENDING, SENDING):
            state = "failed" if row["last_error"] and state == PENDING else "pending"
        counts[state] += int(row["n"])
    return counts


async def failures(notice_id: int, limit: int) -> list[Delivery]:
    """Deliveries that did not (or not yet) reach their person, newest first."""
    q = Q(state__in=[DEAD, UNKNOWN, SKIPPED]) | Q(state=PENDING, last_error__isnull=False)
    return (
        await Delivery.filter(q, source=source_of(notice_id), fell_back=False)
        .order_by("-id")
        .limit(limit)
    )


async def report(notice_id: int) -> dict[str, Any]:
    """The figure a township reports upward: people reached by channel, and why the rest
    were not."""
    source = source_of(notice_id)
    # One statement, so the figures add up even while the notice is still going out.
    rows = (
        await Delivery.filter(source=source, fell_back=False)
        .annotate(n=Count("id"))
        .group_by("state", "channel", "last_error")
        .values("state", "channel", "last_error", "n")
    )
    reached: dict[str, int] = {}
    missed: dict[tuple[str, str | None], int] = {}
    waiting = 0
    for row in rows:
        n, state = int(row["n"]), str(row["state"])
        if state == SENT:
            reached[row["channel"]] = reached.get(row["channel"], 0) + n
        elif state in (PENDING, SENDING):
            waiting += n
        else:
            key = (state, row["last_error"])
            missed[key] = missed.get(key, 0) + n
    return {
        # Each household has one delivery that did not hand over to another channel.
        "households": sum(int(row["n"]) for row in rows),
        "reached": reached,
        "reached_total": sum(reached.values()),
        "not_reached": [
            {"state": state, "reason": reason, "count": n}
            for (state, reason), n in sorted(missed.items(), key=lambda item: -item[1])
        ],
        "waiting": waiting,
        # What WeChat reported of each mass send (it counts people, not deliveries).
        "mass_sends": [
            {
                "msg_id": job.msg_id,
                "households": job.households,
                "status": job.status,
                "sent": job.sent_count,
                "filtered": job.filter_count,
                "errors": job.error_count,
            }
            for job in await MassJob.filter(source=source).order_by("id")
        ],
    }


# A chart's bucket widths, narrowest first: the narrowest that spans the sends in at
# most ``most`` buckets is used.
BUCKET_SECONDS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400)
# Buckets start on Beijing's clock (a day's bucket at midnight there, not at 08:00).
_BEIJING_OFFSET = 8 * 3600


async def sent_over_time(notice_id: int, most: int = 48) -> tuple[int, list[tuple[datetime, int]]]:
    """Deliveries sent over time, for a chart: the bucket width in seconds and each
    bucket's start and count, from the first send's bucket to the last one's, the empty
    ones included (so the buckets are evenly spaced in time). Nothing sent: no buckets."""
    sent = Delivery.filter(source=source_of(notice_id), state=SENT, fell_back=False)
    first = await sent.filter(sent_at__isnull=False).order_by("sent_at").first()
    last = await sent.filter(sent_at__isnull=False).order_by("-sent_at").first()
    if first is None or last is None or first.sent_at is None or last.sent_at is None:
        return BUCKET_SECONDS[0], []
    start, end = int(first.sent_at.timestamp()), int(last.sent_at.timestamp())
    width = next(
        (w for w in BUCKET_SECONDS if _bucket(end, w) - _bucket(start, w) < most),
        BUCKET_SECONDS[-1],
    )
    counts = await _counts_by_bucket(notice_id, width)
    low, high = _bucket(start, width), _bucket(end, width)
    if high - low >= most:  # sends over more than most weeks: the latest ones
        low = high - most + 1
    return width, [(_bucket_start(b, width), counts.get(b, 0)) for b in range(low, high + 1)]


def _bucket(epoch: int, width: int) -> int:
    return (epoch + _BEIJING_OFFSET) // width


def _bucket_start(bucket: int, width: int) -> datetime:
    return datetime.fromtimestamp(bucket * width - _BEIJING_OFFSET, tz=UTC)


async def _counts_by_bucket(notice_id: int, width: int) -> dict[int, int]:
    """Sent deliveries of the notice counted in the database by bucket of ``width``."""
    conn = get_connection("default")
    # Both numbers are ours (ints), written into the statement so neither database has
    # to guess a parameter's type in arithmetic.
    shift, width = int(_BEIJING_OFFSET), int(width)
    if conn.capabilities.dialect == "postgres":
        sql = (
            f"SELECT floor((extract(epoch FROM sent_at) + {shift}) / {width})::bigint AS b,"
            " count(*) AS n FROM delivery WHERE source = $1 AND state = $2"
            " AND fell_back = false AND sent_at IS NOT NULL GROUP BY 1"
        )
    else:  # SQLite keeps times as ISO text, which strftime reads (offset included)
        sql = (
            f"SELECT (CAST(strftime('%s', sent_at) AS INTEGER) + {shift}) / {width} AS b,"
            " count(*) AS n FROM delivery WHERE source = ? AND state = ?"
            " AND fell_back = 0 AND sent_at IS NOT NULL GROUP BY 1"
        )
    rows = await conn.execute_query_dict(sql, [source_of(notice_id), SENT])
    return {int(row["b"]): int(row["n"]) for row in rows}
