"""Signing in, for the API's tokens and the console's sessions alike: the password
checked behind the same limits (storage.logins), every refusal recorded."""

from __future__ import annotations

import math
from datetime import datetime

import structlog

from bot.desk.refused import Refused
from conversations import texts
from storage import logins, staff
from storage.logins import Logins
from storage.models import Staff

log = structlog.get_logger(__name__)

PASSWORD_MAX = 1024


async def sign_in(
    limits: Logins, username: str, password: str, *, address: str, now: datetime
) -> Staff:
    """The account whose name and password these are. Refused: 429 with ``retry_after``
    while the address or the name must wait, 401 for a wrong name or password (the same
    sentence for both)."""
    # Before the (slow) password check, and counted as a failure until it succeeds, so
    # a burst of guesses sent at once is slowed like one sent in turn.
    verdict = await limits.check(username, address, now)
    if verdict.address_limited:  # not recorded: a flood would write a row per request
        raise _wait(texts.STAFF_LOGIN_ADDRESS_BUSY, verdict.wait)
    if verdict.wait:
        await _refused(username, address, now, "slowed")
        raise _wait(texts.STAFF_LOGIN_SLOWED, verdict.wait)
    found: Staff | str
    if len(username) > staff.USERNAME_MAX:
        found = "unknown_name"
    elif len(password) > PASSWORD_MAX:
        found = "wrong_password"
    else:
        found = await staff.verify(username, password)
    if isinstance(found, str):
        await _refused(username, address, now, found)
        raise Refused(401, texts.STAFF_BAD_LOGIN)
    await limits.succeeded(username, address, now, usual=verdict.usual)
    await staff.signed_in(found.id, now)
    log.info("staff signed in", staff=username, address=address)
    return found


def _wait(words: str, wait: float) -> Refused:
    seconds = max(1, math.ceil(wait))
    return Refused(429, words.format(seconds=seconds), retry_after=seconds)


async def _refused(username: str, address: str, now: datetime, reason: str) -> None:
    # The name as typed goes to the record, not the log: it is sometimes a password
    # typed into the wrong box.
    log.warning("staff login refused", address=address, reason=reason)
    await logins.record_failure(now, username, address, reason)
