"""The deadline clock's three colours (正常, 预警, 超期) for open tickets: one reading for
the staff queue, the console, the reminders and the scoreboard.

A ticket waiting to be accepted runs against the 受理 time limit (首问负责: working days
from the day it was submitted); once accepted, against its 办理时限 (``due_on``, moved by
approved extensions). It is 预警 (due soon) with at most ``warn_days`` working days left,
or ``warn_fraction`` of its time limit when that is more; 超期 once the deadline has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Protocol

from tortoise.expressions import Q

from storage.clock import BEIJING, local_day
from storage.models import Ticket
from storage.workdays import WorkCalendar

NORMAL, DUE_SOON, OVERDUE = "normal", "due_soon", "overdue"
STATES = (NORMAL, DUE_SOON, OVERDUE)
SUBMITTED = "submitted"
WORKING = ("accepted", "in_progress")  # open, past 受理: counted against due_on
# Time limits up to this many working days get their own width of warning in a query;
# longer ones share the width of this one (no time limit in the catalog comes close).
_LONGEST_LIMIT = 366


class Dated(Protocol):
    """What the clock reads of a ticket: a model, or a row read as plain values."""

    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def due_on(self) -> date | None: ...
    @property
    def time_limit_days(self) -> int: ...


@dataclass(frozen=True)
class Deadlines:
    calendar: WorkCalendar
    accept_days: int = 1
    warn_days: int = 1
    warn_fraction: float = 0.2

    def warn_width(self, limit: int) -> int:
        """Working days left at or under which a ticket with this time limit is 预警."""
        return max(self.warn_days, int(limit * self.warn_fraction))

    def accept_by(self, submitted_at: datetime) -> date:
        """The last day to accept (受理) a request submitted then."""
        return self.calendar.add(local_day(submitted_at), self.accept_days)

    def deadline(self, t: Dated) -> tuple[date, int] | None:
        """The date an open ticket runs against now and the time limit that set it; None
        when it is not open or has no deadline."""
        if t.status == SUBMITTED:
            return self.accept_by(t.created_at), self.accept_days
        if t.status in WORKING and t.due_on is not None:
            return t.due_on, t.time_limit_days
        return None

    def state(self, t: Dated, today: date) -> str | None:
        """normal, due_soon or overdue while the ticket is open; None otherwise."""
        found = self.deadline(t)
        if found is None:
            return None
        due, limit = found
        if due < today:
            return OVERDUE
        left = self.calendar.between(today, due)
        return DUE_SOON if left <= self.warn_width(limit) else NORMAL

    # The same readings as queries ---------------------------------------------------

    def overdue(self, today: date) -> Q:
        """Open tickets past their deadline."""
        late_accept = self._submitted_before(self._last_day_submitted(today, lambda d: d < today))
        return Q(status__in=WORKING, due_on__lt=today) | Q(late_accept, status=SUBMITTED)

    def overdue_by(self, today: date, days: int) -> Q:
        """Open tickets whose deadline passed at least ``days`` working days ago."""
        cutoff = today
        while self.calendar.between(cutoff, today) < days:
            cutoff -= timedelta(days=1)
        late_accept = self._submitted_before(self._last_day_submitted(today, lambda d: d <= cutoff))
        return Q(status__in=WORKING, due_on__lte=cutoff) | Q(late_accept, status=SUBMITTED)

    def days_overdue(self, t: Ticket, today: date) -> int:
        """Working days since an open ticket's deadline (0 when not past it)."""
        found = self.deadline(t)
        return self.calendar.between(found[0], today) if found else 0

    def due_soon(self, today: date) -> Q:
        """Open tickets due soon: for each width of the warning, the time limits that
        give it and the last deadline it reaches."""
        found = Q(id=-1)
        for shortest, longest, width in self._widths:
            limits = Q(time_limit_days__gte=shortest)
            if longest is not None:
                limits &= Q(time_limit_days__lte=longest)
            found |= Q(limits, due_on__gte=today, due_on__lte=self.calendar.add(today, width))
        found = Q(found, status__in=WORKING)
        # Waiting for 受理: submitted on a day whose accept-by is today or within the
        # warning of the accept time limit.
        last_late = self._last_day_submitted(today, lambda d: d < today)
        reach = self.calendar.add(today, self.warn_width(self.accept_days))
        last_soon = self._last_day_submitted(today, lambda d: d <= reach)
        soon_accept = Q(
            ~self._submitted_before(last_late),
            self._submitted_before(last_soon),
            status=SUBMITTED,
        )
        return found | soon_accept

    @cached_property
    def _widths(self) -> list[tuple[int, int | None, int]]:
        """(shortest, longest or None, width): the runs of time limits sharing a width."""
        runs: list[tuple[int, int | None, int]] = []
        start, width = 0, self.warn_width(0)
        for limit in range(1, _LONGEST_LIMIT + 1):
            w = self.warn_width(limit)
            if w != width:
                runs.append((start, limit - 1, width))
                start, width = limit, w
        runs.append((start, None, width))
        return runs

    def _last_day_submitted(self, today: date, fits: Callable[[date], bool]) -> date | None:
        """The latest day up to today whose accept-by date ``fits``: accept-by grows with
        the day, so every earlier day fits too. None only if no day of the past year does."""
        day = today
        for _ in range(366):
            if fits(self.calendar.add(day, self.accept_days)):
                return day
            day -= timedelta(days=1)
        return None

    @staticmethod
    def _submitted_before(last: date | None) -> Q:
        """Submitted on ``last`` or earlier (Beijing days)."""
        if last is None:
            return Q(id=-1)
        end = datetime.combine(last + timedelta(days=1), time.min, BEIJING)
        return Q(created_at__lt=end)
