"""The outbox: deliveries queued with the change that causes them, claimed with a lease.

Claiming is one statement, so several processes share the work and none sends a row
twice: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional UPDATE on SQLite (whose
single writer makes it atomic). A process killed mid-send leaves its rows leased; when
the lease runs out another process claims them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.models import Delivery, DeliveryAttempt, SubscribeConsent

PENDING, SENDING, SENT = "pending", "sending", "sent"
DEAD, UNKNOWN, SKIPPED = "dead", "unknown", "skipped"
STATES = (PENDING, SENDING, SENT, DEAD, UNKNOWN, SKIPPED)


def delivery_key(source: str, openid: str, channel: str) -> str:
    return f"{source}|{openid}|{channel}"


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


async def claim(
    owner: str,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    paused: Sequence[str] = (),
) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries to ``owner``: pending ones whose time has come,
    and sending ones whose lease ran out (their process died). Channels in ``paused``
    (their daily quota is used up) are left alone."""
    conn = get_connection("default")
    until = now + lease
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(  # fetch: RETURNING's rows, not a row count
            "UPDATE delivery SET state = 'sending', lease_owner = $1, lease_until = $2 "
            "WHERE id IN (SELECT id FROM delivery"
            " WHERE ((state = 'pending' AND next_attempt_at <= $3)"
            " OR (state = 'sending' AND lease_until < $3))"
            " AND NOT (channel = ANY($5::text[]))"
            " ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING id",
            [owner, until, now, limit, list(paused)],
        )
        ids = [row["id"] for row in rows]
    else:
        due = Q(state=PENDING, next_attempt_at__lte=now) | Q(state=SENDING, lease_until__lt=now)
        candidates = (
            await Delivery.filter(due)
            .exclude(channel__in=list(paused))
            .order_by("id")
            .limit(limit)
            .values_list("id", flat=True)
        )
        if not candidates:
            return []
        # One conditional UPDATE: SQLite's single writer makes it the claim; rows another
        # process claimed in between no longer match and are left to it.
        await Delivery.filter(due, id__in=list(candidates)).update(
            state=SENDING, lease_owner=owner, lease_until=until
        )
        ids = list(candidates)
    if not ids:
        return []
    return await Delivery.filter(id__in=ids, lease_owner=owner, lease_until=until).order_by("id")


async def postpone(delivery: Delivery, owner: str, until: datetime) -> bool:
    """Give a claimed delivery back untried, to be claimed again at ``until``."""
    updated = await Delivery.filter(id=delivery.id, lease_owner=owner, state=SENDING).update(
        state=PENDING, lease_owner=None, lease_until=None, next_attempt_at=until
    )
    return bool(updated)


async def start_attempt(delivery: Delivery, owner: str, now: datetime) -> DeliveryAttempt:
    """Recorded before the call, so a lost answer is known to have been tried."""
    delivery.attempts += 1
    await Delivery.filter(id=delivery.id, lease_owner=owner).update(attempts=delivery.attempts)
    return await DeliveryAttempt.create(delivery=delivery, owner=owner, started_at=now)


async def finish(
    delivery: Delivery,
    attempt: DeliveryAttempt,
    *,
    owner: str,
    now: datetime,
    state: str,
    errcode: int | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
    wechat_msgid: str | None = None,
) -> bool:
    """Record the result and give the lease back. False when the lease was lost (another
    process took the row over): then nothing is changed."""
    assert state in STATES and state != SENDING
    async with in_transaction():
        updated = await Delivery.filter(id=delivery.id, lease_owner=owner, state=SENDING).update(
            state=state,
            lease_owner=None,
            lease_until=None,
            last_errcode=errcode,
            last_error=(error or "")[:200] or None,
            next_attempt_at=retry_at or now,
            sent_at=now if state == SENT else None,
            wechat_msgid=wechat_msgid,
        )
        attempt.finished_at = now
        attempt.errcode = errcode
        attempt.outcome = state if state != PENDING else "retry"
        attempt.error = (error or "")[:200] or None
        await attempt.save(update_fields=["finished_at", "errcode", "outcome", "error"])
    return bool(updated)


# What WeChat reports back -------------------------------------------------------------


async def reconcile_template_job(appid: str, openid: str, job_msgid: str, status: str) -> bool:
    """TEMPLATESENDJOBFINISH: WeChat accepted the send earlier; this is whether it reached
    the person. Returns whether a delivery was found."""
    delivery = await Delivery.get_or_none(
        appid=appid, openid=openid, channel="template", wechat_msgid=job_msgid
    )
    if delivery is None:
        return False
    if status == "success":
        return True
    reason = "用户拒收" if "block" in status else f"微信报告发送失败（{status}）"
    await Delivery.filter(id=delivery.id, state=SENT).update(
        state=SKIPPED if "block" in status else DEAD, last_error=reason[:200]
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
