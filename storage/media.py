"""Attachments waiting to be fetched from WeChat (temporary media last three days):
claimed with a lease like the outbox, so several processes share the work and a process
that dies mid-download leaves the row for another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Attachment

PENDING, STORED, FAILED = "pending", "stored", "failed"


@dataclass(frozen=True)
class Fetch:
    id: int
    ticket_id: int
    kind: str
    media_id: str
    attempts: int
    # Where WeChat's older image messages (no MediaId) say the picture is.
    url: str | None = None


async def claim(owner: str, *, now: datetime, lease: timedelta, limit: int) -> list[Fetch]:
    """Up to ``limit`` due fetches, each leased to ``owner`` until ``now + lease``."""
    due = await Attachment.filter(fetch=PENDING, fetch_after__lte=now).order_by("id").limit(limit)
    claimed = []
    for row in due:
        # Conditional: a row another process claimed a moment ago is not taken twice.
        took = await Attachment.filter(
            id=row.id, fetch=PENDING, fetch_after=row.fetch_after
        ).update(fetch_owner=owner, fetch_after=now + lease)
        if took:
            claimed.append(
                Fetch(row.id, row.ticket_id, row.kind, row.media_id, row.fetch_attempts, row.url)
            )
    return claimed


async def stored(fetch: Fetch, owner: str, *, path: str, content_type: str, size: int) -> None:
    await Attachment.filter(id=fetch.id, fetch_owner=owner).update(
        fetch=STORED,
        fetch_owner=None,
        fetch_error=None,
        fetch_attempts=fetch.attempts + 1,
        stored_path=path,
        content_type=content_type,
        size=size,
    )


async def missed(fetch: Fetch, owner: str, *, error: str, retry_at: datetime | None) -> None:
    """A failed try: again at ``retry_at``, or given up (``failed``, for staff to see)."""
    await Attachment.filter(id=fetch.id, fetch_owner=owner).update(
        fetch=PENDING if retry_at else FAILED,
        fetch_owner=None,
        fetch_after=retry_at,
        fetch_attempts=fetch.attempts + 1,
        fetch_error=error[:200],
    )
