"""Beijing time, the only time zone this service speaks: deadlines, working days, the
day a ticket number belongs to, and every time shown to a person."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now() -> datetime:
    """The service's clock; tests hand the app another one."""
    return datetime.now(BEIJING)


def local_day(at: datetime) -> date:
    """The calendar day in Beijing of a moment."""
    return at.astimezone(BEIJING).date()
