"""What a resident is told when staff move their request: one push per change, queued in
the change's own transaction (storage.tickets calls :meth:`TicketRendering.message`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from conversations import texts
from notifications.channels import Push, Route
from storage import staff
from storage.models import Grid, Ticket, TicketEvent, Township, Unit


def due_words(day: date | None) -> str:
    return texts.TICKET_DUE.format(month=day.month, day=day.day) if day else ""


@dataclass(frozen=True)
class TicketRendering:
    """How a ticket's news becomes a push: the route settings give for ticket updates,
    the one for alerts to staff on duty, and the hotline the words name."""

    route: Route
    # Staff may not have written to the account lately: a template first.
    alert_route: Route
    hotline: str

    async def message(
        self, ticket: Ticket, event: TicketEvent
    ) -> tuple[str, dict[str, Any]] | None:
        words = texts.TICKET_PUSH.get(event.action)
        if words is None:  # submitted, withdrawn, rated, internal steps: nothing to push
            return None
        unit = ""
        if ticket.unit_id is not None:
            found = await Unit.get_or_none(id=ticket.unit_id)
            unit = found.name if found else ""
        note = event.note
        text = words.format(
            number=ticket.number,
            title=ticket.title,
            due=due_words(ticket.due_on),
            days=ticket.time_limit_days,
            note=note,
            reason=ticket.extension_reason or "",
            unit=unit,
            hotline=self.hotline,
        )
        status = texts.TICKET_STATUS.get(event.to_status, event.to_status)
        push = Push(
            text=text,
            heading=texts.TICKET_PUSH_FIRST,
            fields=(ticket.number, ticket.title, status),
            remark=texts.TICKET_PUSH_REMARK,
        )
        return self.route.first, self.route.payload(push)

    def to_staff(
        self, ticket: Ticket, text: str, heading: str, remark: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """A push to staff about a ticket (an alert, a reminder, a 催办): channel and
        payload, by the route for staff."""
        status = texts.TICKET_STATUS.get(ticket.status, ticket.status)
        fields = (ticket.number, ticket.title, status)
        return self.staff_push(fields, text, heading, text if remark is None else remark)

    def staff_push(
        self, fields: tuple[str, ...], text: str, heading: str, remark: str
    ) -> tuple[str, dict[str, Any]]:
        """A push to staff (the route for staff: a template first, as they may not have
        written to the account lately): channel and payload."""
        push = Push(text=text, heading=heading, fields=fields, remark=remark)
        return self.alert_route.first, self.alert_route.payload(push)

    async def alerts(self, ticket: Ticket) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(appid, openid, channel, payload) for each on-duty staff member of the ticket's
        township whose WeChat is linked: an urgent grid report reaches them all at once,
        any other new request those who asked for every one (Staff.notify_new)."""
        township = await Township.get(id=ticket.township_id)
        if ticket.urgent:
            grid = await Grid.get_or_none(id=ticket.grid_id) if ticket.grid_id else None
            text = texts.STAFF_ALERT.format(
                township=township.name,
                grid=grid.name if grid else "",
                category=ticket.category or "",
                words=ticket.content[:60],
                number=ticket.number,
            )
            channel, payload = self.to_staff(
                ticket, text, texts.STAFF_ALERT_FIRST, remark=ticket.content[:60]
            )
        else:
            text = texts.STAFF_NEW_TICKET.format(
                township=township.name, number=ticket.number, title=ticket.title
            )
            channel, payload = self.to_staff(ticket, text, texts.STAFF_NEW_TICKET_FIRST)
        return [
            (m.wechat_appid, m.wechat_openid, channel, payload)
            for m in await staff.on_duty_in(ticket.township_id)
            if m.wechat_appid and m.wechat_openid and (ticket.urgent or m.notify_new)
        ]
