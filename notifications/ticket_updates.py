"""What a resident is told when staff move their request: one push per change, queued in
the change's own transaction (storage.tickets calls :meth:`TicketRendering.message`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from conversations import texts
from storage import staff
from storage.models import Grid, Ticket, TicketEvent, Township, Unit


def due_words(day: date | None) -> str:
    return texts.TICKET_DUE.format(month=day.month, day=day.day) if day else ""


@dataclass(frozen=True)
class TicketRendering:
    """How a ticket update is dressed for each channel: from settings."""

    channels: tuple[str, ...]
    template_id: str
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
        payload: dict[str, Any] = {
            "text": text,
            "template_id": self.template_id,
            "data": {
                "first": texts.TICKET_PUSH_FIRST,
                "keyword1": ticket.number,
                "keyword2": ticket.title,
                "keyword3": status,
                "remark": texts.TICKET_PUSH_REMARK,
            },
            "then": list(self.channels[1:]),
        }
        return self.channels[0], payload

    async def alerts(self, ticket: Ticket) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(appid, openid, channel, payload) for each on-duty staff member of the ticket's
        township whose WeChat is linked: an urgent grid report reaches them at once."""
        township = await Township.get(id=ticket.township_id)
        grid = await Grid.get_or_none(id=ticket.grid_id) if ticket.grid_id else None
        text = texts.STAFF_ALERT.format(
            township=township.name,
            grid=grid.name if grid else "",
            category=ticket.category or "",
            words=ticket.content[:60],
            number=ticket.number,
        )
        payload: dict[str, Any] = {
            "text": text,
            "template_id": self.template_id,
            "data": {
                "first": texts.STAFF_ALERT_FIRST,
                "keyword1": ticket.number,
                "keyword2": ticket.title,
                "keyword3": texts.TICKET_STATUS.get(ticket.status, ticket.status),
                "remark": ticket.content[:60],
            },
            # Staff may not have written to the account lately: a template first.
            "then": ["custom"],
        }
        return [
            (m.wechat_appid, m.wechat_openid, "template", payload)
            for m in await staff.on_duty_in(ticket.township_id)
            if m.wechat_appid and m.wechat_openid
        ]
