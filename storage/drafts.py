"""Conversations in the middle of something, kept in the database as well as in Redis.

The session lives in Redis (storage.turn_store). While a person is half-way through an
application or a complaint, each turn also writes it here, before the answer goes out,
so a Redis that was lost, wiped or restarted a second behind does not take what they
typed with it: the copy with the higher revision wins (conversations.engine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from storage.models import ConversationDraft


@dataclass(frozen=True)
class Draft:
    revision: int
    session: str  # JSON


async def keep(appid: str, openid: str, revision: int, session: str, now: datetime) -> None:
    """Write the person's draft (the person's lock is held: one writer at a time)."""
    mine = ConversationDraft.filter(appid=appid, openid=openid)
    if await mine.update(revision=revision, session=session, updated_at=now):
        return
    try:
        await ConversationDraft.create(
            appid=appid, openid=openid, revision=revision, session=session, updated_at=now
        )
    except IntegrityError:  # written a moment ago by another process
        await mine.update(revision=revision, session=session, updated_at=now)


async def find(appid: str, openid: str, since: datetime) -> Draft | None:
    """The person's draft, if written since ``since``."""
    row = await ConversationDraft.filter(appid=appid, openid=openid, updated_at__gte=since).first()
    return None if row is None else Draft(row.revision, row.session)


async def drop(appid: str, openid: str) -> None:
    await ConversationDraft.filter(appid=appid, openid=openid).delete()


async def any_since(since: datetime) -> bool:
    """Whether anyone was in the middle of something since ``since``."""
    return await ConversationDraft.filter(updated_at__gte=since).exists()
