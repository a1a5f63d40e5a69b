"""What flows may use from the outside world, handed to every step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import ClassVar

from storage import catalog, grids, notices, outbox, residents, staff, tickets
from storage.guesses import Guesses
from storage.tickets import Alerts, Message
from storage.workdays import WorkCalendar


@dataclass(frozen=True)
class AccountInfo:
    name: str
    hotline: str
    office_hours: str
    # The township that owns the account; empty when the county does.
    township: str = ""


@dataclass(frozen=True)
class Services:
    """The account's details, the clock, and the record (storage queries)."""

    account: AccountInfo
    clock: Callable[[], datetime]
    calendar: WorkCalendar
    # Builds the push that tells a resident their ticket moved (notifications/).
    ticket_message: Message
    # Who is alerted at once of an urgent grid report (on-duty staff), and how.
    ticket_alerts: Alerts
    # 办理时限 (working days) of complaints, suggestions and help requests, by kind.
    feedback_days: Mapping[str, int]
    # Wrong binding codes, rationed per person.
    guesses: Guesses
    residents: ClassVar[ModuleType] = residents
    outbox: ClassVar[ModuleType] = outbox
    notices: ClassVar[ModuleType] = notices
    catalog: ClassVar[ModuleType] = catalog
    tickets: ClassVar[ModuleType] = tickets
    grids: ClassVar[ModuleType] = grids
    staff: ClassVar[ModuleType] = staff
