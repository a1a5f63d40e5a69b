"""The outbox: deliveries queued with the change that causes them, claimed with a lease.

Claiming is one statement, so several processes share the work and none sends a row
twice: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional UPDATE on SQLite (whose
single writer makes it atomic). Mass sends, which go to many people in one call, are
claimed a source at a time by one claimer at a time (:func:`claim_together`). A process
killed mid-send leaves its rows leased; when the lease runs out another process claims
them again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from storage.models import Delivery, DeliveryAttempt, MassJob, SubscribeConsent

PENDING, SENDING, SENT = "pending", "sending", "sent"
DEAD, UNKNOWN, SKIPPED = "dead", "unknown", "skipped"
STATES = (PENDING, SENDING, SENT, DEAD, UNKNOWN, SKIPPED)
# The time of a delivery queued to wait until its fan-out has queued everyone
# (release_held): a mass send goes to up to 10,000 people a call, and one sent page by
# page would go out in many small sends, leaving a last page of one person who cannot
# be sent at all (WeChat's mass send needs two people at least).
HELD = datetime(9999, 1, 1, tzinfo=UTC)
BATCH_PREFIX = "batch:"  # a mass send's name, kept in wechat_msgid before the call


@dataclass(slots=True)
class Claimed:
    """A delivery as a dispatcher holds it while sending: the columns it needs, read
    straight from the claim (building ORM objects for every row was a fifth of the
    dispatcher's time)."""

    id: int
    source: str
    topic: str | None
    appid: str
    openid: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    wechat_msgid: str | None
    # The attempt this process began (PostgreSQL): its result is written by primary key.
    attempt_id: int | None = None

    @property
    def batch(self) -> str | None:
        """The name of the mass send it was last part of (``batch:…``), if any: a retry
        goes again under the same name, so WeChat can tell it is the same send."""
        msgid = self.wechat_msgid or ""
        return msgid if msgid.startswith(BATCH_PREFIX) else None


_CLAIMED_COLUMNS = "id, source, topic, appid, openid, channel, payload, attempts, wechat_msgid"


def _claimed(row: Mapping[str, Any]) -> Claimed:
    payload = row["payload"]
    return Claimed(
        id=int(row["id"]),
        source=str(row["source"]),
        topic=row["topic"],
        appid=str(row["appid"]),
        openid=str(row["openid"]),
        channel=str(row["channel"]),
        payload=json.loads(payload) if isinstance(payload, str | bytes) else dict(payload),
        attempts=int(row["attempts"]),
        wechat_msgid=row["wechat_msgid"],
    )


def delivery_key(source: str, openid: str, channel: str) -> str:
    return f"{source}|{openid}|{channel}"


def follow_up(delivery: Claimed, channel: str, now: datetime) -> Delivery:
    """The same push to the same person through ``channel`` (unsaved)."""
    then = [c for c in delivery.payload.get("then", []) if c != channel]
    return Delivery(
        key=delivery_key(delivery.source, delivery.openid, channel),
        source=delivery.source,
        topic=delivery.topic,
        appid=delivery.appid,
        openid=delivery.openid,
        channel=channel,
        payload={**delivery.payload, "then": then},
        state=PENDING,
        next_attempt_at=now,
    )


async def enqueue(
    *,
    source: str,
    appid: str,
    openid: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
) -> Delivery | None:
    """Queue a delivery; None when the same (source, recipient, channel) is already queued.

    Call inside the transaction of the change that causes it.
    """
    key = delivery_key(source, openid, channel)
    if await Delivery.filter(key=key).exists():
        return None
    try:
        async with in_transaction():  # a savepoint inside the caller's transaction
            return await Delivery.create(
                key=key,
                source=source,
                appid=appid,
                openid=openid,
                channel=channel,
                payload=payload,
                state=PENDING,
                next_attempt_at=now,
            )
    except IntegrityError:  # queued by someone else between the check and the insert
        return None


async def enqueue_many(
    *,
    source: str,
    topic: str | None,
    appid: str,
    openids: Sequence[str],
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    connection: BaseDBAsyncClient,
    held: bool = False,
) -> None:
    """Queue one push to many people, inside the caller's transaction (``connection``);
    ``held`` ones wait for :func:`release_held`.
    Rows already queued (a page queued again after a crash) are left as they are. One
    statement, the payload serialised once: a notice fans out to 100,000 households."""
    rows = _Rows(
        source,
        topic,
        appid,
        openids,
        channel,
        body=json.dumps(payload, ensure_ascii=False),
        due=HELD if held else now,
        now=now,
    )
    if connection.capabilities.dialect == "postgres":
        await _enqueue_postgres(connection, rows)
    else:
        await _enqueue_sqlite(connection, rows)


@dataclass(frozen=True)
class _Rows:
    """One push to many people, as the INSERT needs it."""

    source: str
    topic: str | None
    appid: str
    openids: Sequence[str]
    channel: str
    body: str  # the payload, serialised once
    due: datetime
    now: datetime

    def keys(self) -> list[str]:
        return [delivery_key(self.source, openid, self.channel) for openid in self.openids]


_ENQUEUE_COLUMNS = (
    "key, source, topic, appid, openid, channel, payload, state, attempts,"
    " next_attempt_at, fell_back, created_at"
)


async def _enqueue_postgres(connection: BaseDBAsyncClient, rows: _Rows) -> None:
    # One statement for the page, the openids as an array: PostgreSQL runs executemany
    # one row at a time.
    await connection.execute_query(
        f"INSERT INTO delivery ({_ENQUEUE_COLUMNS})"
        " SELECT k, $1, $2, $3, o, $4, $5::jsonb, $6, 0, $7, false, $8"
        " FROM unnest($9::text[], $10::text[]) AS v(k, o) ON CONFLICT (key) DO NOTHING",
        [
            rows.source,
            rows.topic,
            rows.appid,
            rows.channel,
            rows.body,
            PENDING,
            rows.due,
            rows.now,
            rows.keys(),
            list(rows.openids),
        ],
    )


async def _enqueue_sqlite(connection: BaseDBAsyncClient, rows: _Rows) -> None:
    await connection.execute_many(
        f"INSERT INTO delivery ({_ENQUEUE_COLUMNS}) VALUES ({', '.join('?' * 12)})"
        " ON CONFLICT (key) DO NOTHING",
        [
            [
                key,
                rows.source,
                rows.topic,
                rows.appid,
                openid,
                rows.channel,
                rows.body,
                PENDING,
                0,
                rows.due,
                False,
                rows.now,
            ]
            for key, openid in zip(rows.keys(), rows.openids, strict=True)
        ],
    )


async def release_held(source: str, now: datetime, connection: BaseDBAsyncClient) -> int:
    """The held deliveries of ``source`` are due now (its fan-out has queued everyone).
    Returns how many."""
    return (
        await Delivery.filter(source=source, state=PENDING, next_attempt_at__gte=HELD)
        .using_db(connection)
        .update(next_attempt_at=now)
    )


_ONE_SOURCE = (
    " AND source = (SELECT source FROM delivery WHERE state IN ('pending', 'sending')"
    " AND next_attempt_at <= {now} AND channel = {channel} LIMIT 1)"
)


async def claim(
    owner: str,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    paused: Sequence[str] = (),
    only: str | None = None,
    one_source: bool = False,
    connection: BaseDBAsyncClient | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries to ``owner``: pending ones whose time has come,
    and sending ones whose lease ran out (their process died). Channels in ``paused``
    (their daily quota is used up) are left alone; ``only`` claims one channel alone,
    and with ``one_source`` only the deliveries of the source of its oldest due one."""
    conn = connection or get_connection("default")
    ask = _ClaimAsk(owner, now, now + lease, limit, tuple(paused), only, one_source)
    if conn.capabilities.dialect == "postgres":
        rows = await _claim_postgres(conn, ask)
    else:
        rows = await _claim_sqlite(conn, ask)
    return sorted((_claimed(row) for row in rows), key=lambda d: d.id)


@dataclass(frozen=True)
class _ClaimAsk:
    owner: str
    now: datetime
    until: datetime  # the lease's end
    limit: int
    paused: tuple[str, ...]
    only: str | None
    one_source: bool


# A leased row's next_attempt_at is its lease's end, so "due" (pending and its time has
# come, or leased by a process that stopped holding it) is one index range:
# (state, next_attempt_at). No ORDER BY: the index gives the oldest first, and a sort
# would touch every due row on each claim.


async def _claim_postgres(conn: BaseDBAsyncClient, ask: _ClaimAsk) -> list[dict[str, Any]]:
    one_source = _ONE_SOURCE.format(now="$3", channel="$6") if ask.one_source else ""
    return await conn.execute_query_dict(  # fetch: RETURNING's rows, not a row count
        "UPDATE delivery SET state = 'sending', lease_owner = $1, lease_until = $2,"
        " next_attempt_at = $2"
        " WHERE id IN (SELECT id FROM delivery"
        " WHERE state IN ('pending', 'sending') AND next_attempt_at <= $3"
        " AND NOT (channel = ANY($5::text[]))"
        " AND ($6::text IS NULL OR channel = $6)"
        f"{one_source}"
        f" LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {_CLAIMED_COLUMNS}",
        [ask.owner, ask.until, ask.now, ask.limit, list(ask.paused), ask.only],
    )


async def _claim_sqlite(conn: BaseDBAsyncClient, ask: _ClaimAsk) -> list[dict[str, Any]]:
    # One UPDATE: SQLite's single writer makes the statement the claim, so a row another
    # process claimed first no longer matches.
    skip = ",".join("?" * len(ask.paused))
    return await conn.execute_query_dict(
        "UPDATE delivery SET state = 'sending', lease_owner = ?, lease_until = ?,"
        " next_attempt_at = ?"
        " WHERE id IN (SELECT id FROM delivery"
        " WHERE state IN ('pending', 'sending') AND next_attempt_at <= ?"
        f"{f' AND channel NOT IN ({skip})' if ask.paused else ''}"
        f"{' AND channel = ?' if ask.only else ''}"
        f"{_ONE_SOURCE.format(now='?', channel='?') if ask.one_source else ''}"
        f" LIMIT ?) RETURNING {_CLAIMED_COLUMNS}",
        [
            ask.owner,
            ask.until,
            ask.until,
            ask.now,
            *ask.paused,
            *([ask.only] if ask.only else []),
            *([ask.now, ask.only] if ask.one_source else []),
            ask.limit,
        ],
    )


async def claim_together(
    owner: str,
    *,
    channel: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    clock: Callable[[], datetime] | None = None,
) -> list[Claimed]:
    """Like :func:`claim`, for a channel that sends to many people in one call and to two
    at least (WeChat's mass send): one source a claim, one claimer at a time.

    What is claimed is then everything of the source that is due, or ``limit`` of it.
    In that second case, when just one more is due, one of the claimed goes back to be
    sent with that one (``limit`` is three or more), so no one is left to go alone. The
    claim, the count and the give-back are one transaction, and claimers take turns:
    with SKIP LOCKED alone, a second claimer would take the rows the first had not
    locked yet, and what goes together would be split between them."""
    async with in_transaction() as tx:
        if tx.capabilities.dialect == "postgres":
            await tx.execute_query(
                "SELECT pg_advisory_xact_lock(hashtext($1))", [f"outbox:claim:{channel}"]
            )
            if clock is not None:
                # The time once our turn came: a claimer before us may have given one
                # back as due at its own (later) time, and it must be due for us too, or
                # its partner goes alone and the one given back after it.
                now = clock()
        # On SQLite the claim's UPDATE is the transaction's first statement: it takes the
        # database's write lock, and other claimers wait until this one commits.
        claimed = await claim(
            owner, now=now, lease=lease, limit=limit, only=channel, one_source=True, connection=tx
        )
        if len(claimed) < limit:
            return claimed
        left = (
            await Delivery.filter(
                source=claimed[0].source, channel=channel, state__in=[PENDING, SENDING],
                next_attempt_at__lte=now,
            )
            .using_db(tx)
            .limit(2)
            .values_list("id", flat=True)
        )  # fmt: skip
        # A retry goes out under its earlier send's name, with the same people.
        fresh = [d for d in claimed if d.batch is None]
        if len(left) != 1 or not fresh:
            return claimed
        back = fresh[-1].id
        await postpone_many([back], owner, now)  # in this transaction (its context)
    return [d for d in claimed if d.id != back]


async def claim_one(
    delivery_id: int, owner: str, *, now: datetime, lease: timedelta
) -> Claimed | None:
    """Lease one pending delivery now, whatever its time (a reply sent while the person's
    conversation is held). None when another process has it or it is done."""
    took = await Delivery.filter(id=delivery_id, state=PENDING).update(
        state=SENDING, lease_owner=owner, lease_until=now + lease, next_attempt_at=now + lease
    )
    if not took:
        return None
    rows = await Delivery.filter(id=delivery_id, lease_owner=owner).values(
        *_CLAIMED_COLUMNS.split(", ")
    )
    return _claimed(rows[0]) if rows else None


async def takeovers(ids: Sequence[int]) -> set[int]:
    """Of these deliveries, those with an attempt that never finished: their process died
    mid-send, so WeChat may or may not have the message."""
    if not ids:
        return set()
    rows = await DeliveryAttempt.filter(delivery_id__in=list(ids), finished_at__isnull=True).values(
        "delivery_id"
    )
    return {int(row["delivery_id"]) for row in rows}


async def start_attempts(deliveries: Sequence[Claimed], owner: str, now: datetime) -> None:
    """Record an attempt for each, before any call is made (on PostgreSQL each delivery
    learns its attempt's id, which :func:`finish_many` closes)."""
    if not deliveries:
        return
    ids = [d.id for d in deliveries]
    # The row's own count goes up when the result is written (finish_many): one update
    # fewer per push. The attempt log is what tells a send that was begun.
    async with in_transaction() as tx:
        if tx.capabilities.dialect == "postgres":
            # One statement for the batch: PostgreSQL runs executemany row by row.
            rows = await tx.execute_query_dict(
                "INSERT INTO delivery_attempt (delivery_id, owner, started_at)"
                " SELECT unnest($1::bigint[]), $2, $3 RETURNING id, delivery_id",
                [ids, owner, now],
            )
            began = {int(r["delivery_id"]): int(r["id"]) for r in rows}
            for d in deliveries:
                d.attempt_id = began[d.id]
        else:
            await tx.execute_many(
                "INSERT INTO delivery_attempt (delivery_id, owner, started_at) VALUES (?, ?, ?)",
                [[i, owner, now] for i in ids],
            )
    for d in deliveries:
        d.attempts += 1


@dataclass(frozen=True)
class Result:
    """What one attempt came to."""

    delivery_id: int
    state: str
    errcode: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    wechat_msgid: str | None = None
    # The same push through the next channel, queued in the same transaction.
    follow_up: Delivery | None = None
    # False when no call was made (a mass send over the month's limit, say).
    attempted: bool = True


async def finish_many(
    sent: Sequence[Claimed], results: Sequence[Result], *, owner: str, now: datetime
) -> int:
    """Record many results (``results[i]`` is ``sent[i]``'s) and give their leases back,
    in one transaction. Rows whose lease was lost (another process took them over) are
    left to it. Returns how many were recorded."""
    if not results:
        return 0
    attempt_ids = {d.id: d.attempt_id for d in sent if d.attempt_id is not None}
    values = [
        [
            r.state,
            r.errcode,
            (r.error or "")[:200] or None,
            r.retry_at or now,
            now if r.state == SENT else None,
            r.wechat_msgid,
            r.follow_up is not None,
            r.delivery_id,
            1 if r.attempted else 0,
        ]
        for r in results
    ]
    async with in_transaction() as tx:
        if tx.capabilities.dialect == "postgres":
            mine = await _finish_postgres(tx, values, results, attempt_ids, owner, now)
        else:
            mine = await _finish_sqlite(tx, values, results, owner, now)
        follow_ups = [
            r.follow_up for r in results if r.follow_up is not None and r.delivery_id in mine
        ]
        if follow_ups:
            await Delivery.bulk_create(follow_ups, ignore_conflicts=True)
    return len(mine)


def _closing(r: Result) -> list[Any]:
    """An attempt's errcode, outcome and error."""
    return [r.errcode, r.state if r.state != PENDING else "retry", (r.error or "")[:200] or None]


async def _finish_postgres(
    tx: BaseDBAsyncClient,
    values: list[list[Any]],
    results: Sequence[Result],
    attempt_ids: Mapping[int, int],
    owner: str,
    now: datetime,
) -> set[int]:
    # One statement per table for the batch, arrays unnested: PostgreSQL runs
    # executemany row by row. The rows still ours come back from the update itself, and
    # attempts are closed by their own id (a join on delivery_id made the planner scan
    # every attempt ever made, once per batch).
    rows = await tx.execute_query_dict(
        "UPDATE delivery d SET state = v.state, lease_owner = NULL, lease_until = NULL,"
        " attempts = d.attempts + v.tried,"
        " last_errcode = v.errcode, last_error = v.error, next_attempt_at = v.next_at,"
        " sent_at = v.sent_at, wechat_msgid = v.msgid, fell_back = v.fell_back"
        " FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[],"
        " $5::timestamptz[], $6::text[], $7::bool[], $8::bigint[], $9::int[])"
        " AS v(state, errcode, error, next_at, sent_at, msgid, fell_back, id, tried)"
        " WHERE d.id = v.id AND d.lease_owner = $10 AND d.state = 'sending'"
        " RETURNING d.id",
        [*map(list, zip(*values, strict=True)), owner],
    )
    mine = {int(row["id"]) for row in rows}
    closing = [
        [attempt_ids[r.delivery_id], *_closing(r)]
        for r in results
        if r.delivery_id in mine and r.delivery_id in attempt_ids
    ]
    if closing:
        await tx.execute_query(
            "UPDATE delivery_attempt a SET finished_at = $1, errcode = v.errcode,"
            " outcome = v.outcome, error = v.error"
            " FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[])"
            " AS v(id, errcode, outcome, error)"
            " WHERE a.id = v.id AND a.finished_at IS NULL",
            [now, *map(list, zip(*closing, strict=True))],
        )
    return mine


async def _finish_sqlite(
    tx: BaseDBAsyncClient,
    values: list[list[Any]],
    results: Sequence[Result],
    owner: str,
    now: datetime,
) -> set[int]:
    # First, the rows still ours, by a write that changes nothing: it takes the
    # database's write lock, so they stay ours to the end of the transaction (a SQLite
    # transaction that reads first cannot wait for another process's write; it fails).
    ids = [r.delivery_id for r in results]
    rows = await tx.execute_query_dict(
        "UPDATE delivery SET lease_owner = lease_owner"
        f" WHERE id IN ({', '.join('?' * len(ids))}) AND lease_owner = ? AND state = ?"
        " RETURNING id",
        [*ids, owner, SENDING],
    )
    mine = {int(row["id"]) for row in rows}
    await tx.execute_many(
        "UPDATE delivery SET state = ?, lease_owner = NULL, lease_until = NULL,"
        " last_errcode = ?, last_error = ?, next_attempt_at = ?, sent_at = ?,"
        " wechat_msgid = ?, fell_back = ?, attempts = attempts + ?"
        " WHERE id = ? AND lease_owner = ? AND state = ?",
        [[*v[:7], v[8], v[7], owner, SENDING] for v in values if v[7] in mine],
    )
    await tx.execute_many(
        "UPDATE delivery_attempt SET finished_at = ?, errcode = ?, outcome = ?, error = ?"
        " WHERE delivery_id = ? AND owner = ? AND finished_at IS NULL",
        [[now, *_closing(r), r.delivery_id, owner] for r in results if r.delivery_id in mine],
    )
    return mine


async def close_lost_attempts(ids: Sequence[int], now: datetime, note: str) -> None:
    """The attempts a dead process left open are closed: their outcome is not known."""
    if ids:
        await DeliveryAttempt.filter(delivery_id__in=list(ids), finished_at__isnull=True).update(
            finished_at=now, outcome="lost", error=note[:200]
        )


async def skip(ids: Sequence[int], owner: str, reason: str, state: str = SKIPPED) -> int:
    """Claimed deliveries that are no longer wanted (unsubscribed, retracted), untried."""
    if not ids:
        return 0
    return await Delivery.filter(id__in=list(ids), lease_owner=owner, state=SENDING).update(
        state=state, lease_owner=None, lease_until=None, last_error=reason[:200]
    )


async def postpone_many(ids: Sequence[int], owner: str, until: datetime) -> int:
    """Give claimed deliveries back untried, to be claimed again at ``until``."""
    if not ids:
        return 0
    return await Delivery.filter(id__in=list(ids), lease_owner=owner, state=SENDING).update(
        state=PENDING, lease_owner=None, lease_until=None, next_attempt_at=until
    )


async def give_back(ids: Sequence[int], owner: str, now: datetime) -> int:
    """Claimed deliveries whose round failed, due again now: only while the lease is still
    running, since a row whose lease ran out may have been claimed anew (the same owner
    names every lane of a process)."""
    if not ids:
        return 0
    return await Delivery.filter(
        id__in=list(ids), lease_owner=owner, state=SENDING, lease_until__gt=now
    ).update(state=PENDING, lease_owner=None, lease_until=None, next_attempt_at=now)


async def mass_this_month(openids: Sequence[str], since: datetime) -> dict[str, int]:
    """Mass sends each of these people has had since ``since`` (WeChat allows four a
    month to a follower of a service account)."""
    if not openids:
        return {}
    rows = (
        await Delivery.filter(
            openid__in=list(openids), channel="mass", state=SENT, sent_at__gte=since
        )
        .annotate(n=Count("id"))
        .group_by("openid")
        .values("openid", "n")
    )
    return {str(r["openid"]): int(r["n"]) for r in rows}


async def mark_batch(ids: Sequence[int], owner: str, batch: str) -> None:
    """Name the mass send these rows go out in, before the call: if the process dies, the
    rows are sent again under the same name, which WeChat recognises and does not repeat."""
    await Delivery.filter(id__in=list(ids), lease_owner=owner).update(wechat_msgid=batch)


async def record_mass_job(
    appid: str, msg_id: str, source: str, households: int, now: datetime
) -> None:
    await MassJob.get_or_create(
        appid=appid,
        msg_id=msg_id,
        defaults={"source": source, "households": households, "created_at": now},
    )


async def reconcile_mass_job(
    appid: str,
    msg_id: str,
    *,
    status: str,
    counts: tuple[int, int, int, int],
    now: datetime,
    failed_reason: str,
) -> bool:
    """MASSSENDJOBFINISH: keep WeChat's totals for the report; a send WeChat says failed
    as a whole makes its deliveries dead. Returns whether the job was ours."""
    total, filtered, sent, errors = counts
    updated = await MassJob.filter(appid=appid, msg_id=msg_id).update(
        status=status[:40],
        total_count=total,
        filter_count=filtered,
        sent_count=sent,
        error_count=errors,
        finished_at=now,
    )
    if updated and status.lower() not in ("send success", "sendsuccess", "success"):
        if sent == 0:
            await Delivery.filter(
                appid=appid, channel="mass", wechat_msgid=f"mass:{msg_id}", state=SENT
            ).update(state=DEAD, last_error=failed_reason[:200])
    return bool(updated)


async def skip_pending_to(appid: str, openid: str, reason: str) -> int:
    """取消关注: nothing still queued for this person is sent."""
    return await Delivery.filter(appid=appid, openid=openid, state=PENDING).update(
        state=SKIPPED, last_error=reason[:200]
    )


# What WeChat reports back -------------------------------------------------------------


def template_job_blocked(status: str) -> bool:
    """TEMPLATESENDJOBFINISH's status says the person refuses this account's messages."""
    return "block" in status


async def reconcile_template_job(
    appid: str, openid: str, job_msgid: str, status: str, reason: str
) -> bool:
    """TEMPLATESENDJOBFINISH: WeChat accepted the send earlier; this is whether it reached
    the person (``reason`` is kept when it did not). Returns whether a delivery was found."""
    delivery = await Delivery.get_or_none(
        appid=appid, openid=openid, channel="template", wechat_msgid=job_msgid
    )
    if delivery is None:
        return False
    if status == "success":
        return True
    await Delivery.filter(id=delivery.id, state=SENT).update(
        state=SKIPPED if template_job_blocked(status) else DEAD, last_error=reason[:200]
    )
    return True


async def record_consent(
    appid: str, openid: str, template_id: str, status: str, now: datetime
) -> None:
    """subscribe_msg_popup_event / _change_event, and 43101 (consent used up)."""
    updated = await SubscribeConsent.filter(
        appid=appid, openid=openid, template_id=template_id
    ).update(status=status, updated_at=now)
    if not updated:
        try:
            async with in_transaction():
                await SubscribeConsent.create(
                    appid=appid,
                    openid=openid,
                    template_id=template_id,
                    status=status,
                    updated_at=now,
                )
        except IntegrityError:  # the same event, recorded by a concurrent retry
            await SubscribeConsent.filter(
                appid=appid, openid=openid, template_id=template_id
            ).update(status=status, updated_at=now)
