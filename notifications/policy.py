"""What to do after a send, decided by WeChat's answer. A pure function, so every rule
can be read here and tested without a network."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from conversations import texts
from storage.clock import BEIJING
from storage.outbox import DEAD, PENDING, SENT, SKIPPED, UNKNOWN
from wechat.errcodes import (
    BUSY,
    INVALID_MSGTYPE,
    INVALID_TEMPLATE,
    NO_CONSENT,
    NOT_FOLLOWING,
    QUOTA,
    TOKEN_ERRORS,
    WINDOW_CLOSED,
)

# Busy, or token trouble the client could not fix: try again later.
RETRY = frozenset({BUSY, *TOKEN_ERRORS})
BAD_REQUEST = frozenset({INVALID_TEMPLATE, INVALID_MSGTYPE})


@dataclass(frozen=True)
class Decision:
    state: str
    retry_at: datetime | None = None
    reason: str | None = None
    unsubscribed: bool = False  # the person no longer follows the account
    pause_channel_until: datetime | None = None
    # This channel cannot reach the person now: try the next one configured, if any.
    fall_back: bool = False
    # The request itself is wrong (template, arguments): stop every send of this source.
    halt_source: bool = False


@dataclass(frozen=True)
class Retries:
    """How often and how far apart a delivery is tried again."""

    max_attempts: int = 6
    base: float = 2.0
    cap: float = 600.0

    def later(self, attempts: int, now: datetime) -> datetime:
        """Exponential backoff with jitter, so many failed sends do not return at once."""
        delay = min(self.cap, self.base * 2 ** max(attempts - 1, 0)) * random.uniform(0.5, 1.5)
        return now + timedelta(seconds=delay)


def next_midnight(now: datetime) -> datetime:
    local = now.astimezone(BEIJING)
    tomorrow = (local + timedelta(days=1)).date()
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=BEIJING)


def after_error(errcode: int, *, attempts: int, now: datetime, retries: Retries) -> Decision:
    if errcode == NOT_FOLLOWING:
        return Decision(SKIPPED, reason=texts.REASON_NOT_FOLLOWING, unsubscribed=True)
    if errcode == NO_CONSENT:
        return Decision(SKIPPED, reason=texts.REASON_NO_CONSENT, fall_back=True)
    if errcode in WINDOW_CLOSED:
        return Decision(SKIPPED, reason=texts.REASON_WINDOW_CLOSED, fall_back=True)
    if errcode in BAD_REQUEST:
        return Decision(DEAD, reason=texts.REASON_BAD_REQUEST, halt_source=True)
    if errcode == QUOTA:
        midnight = next_midnight(now)
        return Decision(
            PENDING, retry_at=midnight, reason=texts.REASON_QUOTA, pause_channel_until=midnight
        )
    if attempts >= retries.max_attempts:
        return Decision(DEAD, reason=texts.REASON_FAILED_OFTEN.format(errcode=errcode))
    reason = None if errcode in RETRY else texts.REASON_ERRCODE.format(errcode=errcode)
    return Decision(PENDING, retry_at=retries.later(attempts, now), reason=reason)


def after_no_answer(
    *, guarded: bool, maybe_sent: bool, attempts: int, now: datetime, retries: Retries
) -> Decision:
    """WeChat did not answer (timeout, dropped connection, 5xx). ``guarded``: the channel
    drops a repeated send itself, so a send whose answer was lost may be tried again."""
    if maybe_sent and not guarded:
        return Decision(UNKNOWN, reason=texts.REASON_UNKNOWN)
    if attempts >= retries.max_attempts:
        return Decision(DEAD, reason=texts.REASON_NO_CONNECTION)
    return Decision(PENDING, retry_at=retries.later(attempts, now))


SENT_DECISION = Decision(SENT)
