"""Staff actions done once: the first answer to an action is kept with the action, and the
same action sent again gets that answer instead of being done a second time.

The record is written in the transaction that does the action, so the two cannot part:
an action whose answer was lost (a timeout, a dropped connection, a process killed after
the commit) has its record, and one that never committed has none and may be done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storage.models import StaffRequest


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: str


class KeyReused(Exception):
    """The key was used a moment ago for a different request."""


class _NotDone(Exception):
    """The action answered with a refusal: nothing of it is kept."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer


async def once(
    staff_id: int,
    key: str,
    fingerprint: str,
    act: Callable[[], Awaitable[Answer]],
    *,
    now: datetime,
    keep: timedelta,
    latest: bool = False,
) -> tuple[Answer, bool]:
    """``act()``'s answer and False; or, when ``key`` was answered for this member within
    ``keep``, that answer and True (``act`` is not called). A refusal (4xx) is not kept:
    nothing was done, so the same request may be tried again. Raises KeyReused when the
    key's first request had another fingerprint — unless ``latest``: then the key stands
    for the member's latest request about one thing, which another request replaces."""
    for attempt in range(2):
        try:
            async with in_transaction():
                row = await StaffRequest.filter(staff_id=staff_id, key=key).first()
                if row is not None and row.at >= now - keep:
                    if row.fingerprint == fingerprint:
                        return Answer(row.status, row.content_type, row.answer), True
                    if not latest:
                        raise KeyReused
                if row is not None:  # an old one, or replaced: the key is free again
                    await row.delete()
                # First, so that the same request racing this one waits on the key's
                # unique index (PostgreSQL) until this transaction ends, then finds it.
                row = await StaffRequest.create(
                    staff_id=staff_id, key=key, fingerprint=fingerprint, at=now, status=0
                )
                answer = await act()
                if answer.status >= 300:
                    raise _NotDone(answer)
                await StaffRequest.filter(id=row.id).update(
                    status=answer.status, content_type=answer.content_type, answer=answer.body
                )
                return answer, False
        except _NotDone as refused:
            return refused.answer, False
        except IntegrityError:
            if attempt:
                raise
            # The same request committed first: the loop finds its answer.
    raise AssertionError("unreachable")
