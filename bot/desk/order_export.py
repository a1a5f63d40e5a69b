"""The open 督办单 as a file: every order waiting for its unit's answer that this person
sees (bot.desk.supervision.visible), the soonest due first, as the queue lists them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from bot.desk import supervision as desk
from bot.desk.refused import Refused
from bot.desk.supervision_shapes import order_summary
from bot.desk.workbook import Column, Export, Row, file_name
from conversations import texts
from storage import audit, supervision
from storage.clock import local_day
from storage.models import SupervisionOrder
from storage.staff import StaffMember

BATCH = 1000
_W = texts.EXPORT_ORDER_COLUMNS
COLUMNS = [
    Column(_W["number"], 15), Column(_W["title"], 24), Column(_W["township"], 10),
    Column(_W["unit"], 20), Column(_W["reason"], 36, wrap=True), Column(_W["answer_by"], 12),
    Column(_W["overdue"], 8), Column(_W["issued_by"], 12), Column(_W["issued_at"], 17),
]  # fmt: skip
assert [c.header for c in COLUMNS] == list(_W.values()), "a column without its header"


async def open_orders(member: StaffMember, *, now: datetime, rows_max: int) -> Export:
    """This person's open orders, the export recorded."""
    waiting = SupervisionOrder.filter(desk.visible(member), state=supervision.OPEN)
    count = await waiting.count()
    if count > rows_max:
        raise Refused(400, texts.STAFF_EXPORT_TOO_MANY.format(count=count, most=rows_max))
    place = member.unit or member.township or texts.EXPORT_COUNTY
    await audit.record(member.id, audit.EXPORT, now, f"orders.xlsx open {place}")
    return Export(
        title=texts.EXPORT_ORDERS,
        name=file_name(texts.EXPORT_ORDERS, place, f"{local_day(now):%Y%m%d}"),
        columns=COLUMNS,
        batches=_batches(member, now),
    )


async def _batches(member: StaffMember, now: datetime) -> AsyncIterator[Sequence[Row]]:
    today = local_day(now)
    yes, no = texts.CONSOLE["yes"], texts.CONSOLE["no"]
    done = 0
    while True:
        rows = (
            await SupervisionOrder.filter(desk.visible(member), state=supervision.OPEN)
            .order_by("answer_by", "id")
            .offset(done)
            .limit(BATCH)
            .select_related(*desk.RELATED)
        )
        shown = [order_summary(o, today) for o in rows]
        yield [
            [o.number, o.title, o.township, o.unit, o.reason, o.answer_by,
             yes if o.overdue else no, o.issued_by, o.issued_at]
            for o in shown
        ]  # fmt: skip
        if len(rows) < BATCH:
            return
        done += BATCH
