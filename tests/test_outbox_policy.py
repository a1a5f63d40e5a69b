"""Every errcode rule of the outbox, read as a table."""

from __future__ import annotations

from datetime import datetime

import pytest

from notifications.policy import Retries, after_error, after_no_answer
from storage.clock import BEIJING

NOW = datetime(2026, 11, 27, 22, 30, tzinfo=BEIJING)
KW = {"attempts": 1, "now": NOW, "retries": Retries(max_attempts=6, base=2.0, cap=600.0)}


@pytest.mark.parametrize(
    ("errcode", "state"),
    [
        (-1, "pending"),
        (40001, "pending"),
        (42001, "pending"),
        (45009, "pending"),
        (43004, "skipped"),
        (43101, "skipped"),
        (45015, "skipped"),
        (45047, "skipped"),
        (40037, "dead"),
        (47003, "dead"),
        (48001, "pending"),
    ],
)
def test_each_errcode_has_its_outcome(errcode: int, state: str) -> None:
    assert after_error(errcode, **KW).state == state  # type: ignore[arg-type]


def test_the_daily_quota_waits_until_midnight_beijing_time() -> None:
    decision = after_error(45009, **KW)  # type: ignore[arg-type]
    assert decision.retry_at == datetime(2026, 11, 28, tzinfo=BEIJING)
    assert decision.pause_channel_until == decision.retry_at


def test_not_following_marks_the_person_unsubscribed() -> None:
    assert after_error(43004, **KW).unsubscribed  # type: ignore[arg-type]


def test_retries_back_off_and_end() -> None:
    first = after_error(-1, **KW)  # type: ignore[arg-type]
    later = after_error(-1, **{**KW, "attempts": 5})  # type: ignore[arg-type]
    assert first.retry_at is not None and later.retry_at is not None
    assert first.retry_at < later.retry_at
    assert after_error(-1, **{**KW, "attempts": 6}).state == "dead"  # type: ignore[arg-type]


def test_a_lost_answer_is_unknown_unless_the_channel_guards_duplicates() -> None:
    lost = after_no_answer(guarded=False, maybe_sent=True, **KW)  # type: ignore[arg-type]
    assert lost.state == "unknown"
    guarded = after_no_answer(guarded=True, maybe_sent=True, **KW)  # type: ignore[arg-type]
    assert guarded.state == "pending"
    unsent = after_no_answer(guarded=False, maybe_sent=False, **KW)  # type: ignore[arg-type]
    assert unsent.state == "pending"
