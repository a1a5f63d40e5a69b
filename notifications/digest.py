"""The weekly digest (每周简报): on the set day from the set time ([supervision]
digest_weekday, digest_time, Beijing), each supervisor and each unit's or township's lead
with a linked WeChat gets one message: last week's figures for their jurisdiction (the
scoreboard's, storage.scoreboard) and what is overdue now, with the console's address.

Once per person and week however many processes run: the outbox's key (source, person,
channel) takes the week's message once, and a person already given it is skipped before
anything is counted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import structlog
from tortoise.context import TortoiseContext
from tortoise.expressions import Q

from conversations import texts
from notifications.rounds import Worker
from notifications.ticket_updates import TicketRendering
from storage import outbox, scoreboard, supervision
from storage.clock import BEIJING
from storage.deadlines import Deadlines
from storage.models import Delivery, Staff, SupervisionOrder, Ticket, Township, Unit

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DigestRules:
    weekday: int  # 1 Monday ... 7 Sunday
    at: time
    hours: scoreboard.Hours  # the working day, for response times
    console: str  # the console's address, for the link


def _percent(share: float | None) -> str:
    return texts.DIGEST_NONE if share is None else f"{share * 100:.0f}%"


class Digest(Worker):
    def __init__(
        self,
        *,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        deadlines: Deadlines,
        rules: DigestRules,
        rendering: TicketRendering,
        poll_seconds: float,
    ) -> None:
        self._clock = clock
        self._deadlines = deadlines
        self._rules = rules
        self._rendering = rendering
        super().__init__(
            database=database, poll_seconds=poll_seconds, name="weekly digest", clock=clock
        )

    async def step(self) -> bool:
        now = self._clock()
        local = now.astimezone(BEIJING)
        if local.isoweekday() == self._rules.weekday and local.time() >= self._rules.at:
            today = local.date()
            source = f"digest:{today}"
            for person in await self._readers():
                given = await Delivery.exists(
                    source=source, appid=person.wechat_appid, openid=person.wechat_openid
                )
                if not given:
                    await self._send(person, source, today, now)
        return False

    async def _readers(self) -> list[Staff]:
        """Supervisors, and leads of a unit or a township, with a linked WeChat."""
        return await Staff.filter(
            Q(role="supervisor") | Q(lead=True),
            active=True,
            wechat_openid__isnull=False,
            wechat_appid__isnull=False,
        ).order_by("id")

    async def _send(self, person: Staff, source: str, today: date, now: datetime) -> None:
        scope, place = await self._scope(person)
        start, end = today - timedelta(days=7), today - timedelta(days=1)
        period = scoreboard.Period(start, end, today)
        counted = await scoreboard.count(
            period, "township", scope, self._deadlines.calendar, self._rules.hours
        )
        f = counted.total
        overdue, orders = await self._open_now(scope, today)
        text = texts.DIGEST.format(
            place=place,
            start=texts.TICKET_DUE.format(month=start.month, day=start.day),
            end=texts.TICKET_DUE.format(month=end.month, day=end.day),
            accepted=f.accepted,
            resolved=f.resolved,
            on_time=_percent(f.on_time_rate),
            satisfied=_percent(f.satisfaction),
            overdue=overdue,
            orders=orders,
            link=self._rules.console,
        )
        period_words = texts.DIGEST_PERIOD.format(start=start, end=end)
        channel, payload = self._rendering.staff_push(
            (place, texts.DIGEST_FIRST, period_words), text, texts.DIGEST_FIRST, text
        )
        await outbox.enqueue(
            source=source,
            appid=str(person.wechat_appid),
            openid=str(person.wechat_openid),
            channel=channel,
            payload=payload,
            now=now,
        )
        log.info("weekly digest queued", staff=person.username)

    async def _scope(self, person: Staff) -> tuple[scoreboard.Scope, str]:
        """Whose figures the person reads, and its name."""
        if person.role == "department_handler" and person.unit_id is not None:
            unit = await Unit.get(id=person.unit_id)
            return scoreboard.Scope(unit_id=unit.id), unit.name
        if person.township_id is not None:
            township = await Township.get(id=person.township_id)
            return scoreboard.Scope(township_id=township.id), township.name
        return scoreboard.Scope(), texts.DIGEST_COUNTY

    async def _open_now(self, scope: scoreboard.Scope, today: date) -> tuple[int, int]:
        """Open tickets past their deadline now, and 督办单 waiting for an answer."""
        mine: dict[str, int] = {}
        if scope.township_id is not None:
            mine["township_id"] = scope.township_id
        if scope.unit_id is not None:
            mine["unit_id"] = scope.unit_id
        overdue = await Ticket.filter(self._deadlines.overdue(today), **mine).count()
        orders = await SupervisionOrder.filter(state=supervision.OPEN, **mine).count()
        return overdue, orders
