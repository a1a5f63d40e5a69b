"""A grid's visit ledger (走访台账) as a file: every visit, newest first, masked for the
person asking exactly as the ledger's page is (bot.desk.grids.visit_shown)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from bot.desk import grids
from bot.desk.refused import Refused
from bot.desk.workbook import Column, Export, Row, file_name
from conversations import texts
from storage import audit
from storage.clock import local_day
from storage.models import Visit
from storage.staff import StaffMember

BATCH = 1000
_W = texts.EXPORT_VISIT_COLUMNS
COLUMNS = [
    Column(_W["visited_at"], 17), Column(_W["group"], 14), Column(_W["person"], 10),
    Column(_W["findings"], 40, wrap=True), Column(_W["health"], 24, wrap=True),
    Column(_W["needs_help"], 12), Column(_W["worker"], 10),
]  # fmt: skip
assert [c.header for c in COLUMNS] == list(_W.values()), "a column without its header"


async def visits(member: StaffMember, grid_id: int, *, now: datetime, rows_max: int) -> Export:
    """The grid's whole ledger for this person (404 when the grid is not theirs to see),
    the export recorded, masked or not."""
    grid = await grids.find(member, grid_id)
    private = grids.sees_visits_whole(member, grid)
    count = await Visit.filter(grid_id=grid.id).count()
    if count > rows_max:
        raise Refused(400, texts.STAFF_EXPORT_TOO_MANY.format(count=count, most=rows_max))
    masked = "" if private else " masked"
    await audit.record(member.id, audit.EXPORT, now, f"visits.xlsx grid={grid.code}{masked}")
    return Export(
        title=texts.EXPORT_VISITS,
        name=file_name(texts.EXPORT_VISITS, grid.name, f"{local_day(now):%Y%m%d}"),
        columns=COLUMNS,
        batches=_batches(grid.id, private),
    )


async def _batches(grid_id: int, private: bool) -> AsyncIterator[Sequence[Row]]:
    yes, no = texts.CONSOLE["yes"], texts.CONSOLE["no"]
    before: int | None = None
    while True:
        page = Visit.filter(grid_id=grid_id)
        if before is not None:
            page = page.filter(id__lt=before)
        rows = await page.order_by("-id").limit(BATCH).select_related("worker")
        if not rows:
            return
        shown = [grids.visit_shown(v, private) for v in rows]
        yield [
            [v.visited_at, v.group_name, v.person, v.findings, v.health,
             yes if v.needs_help else no, v.worker or ""]
            for v in shown
        ]  # fmt: skip
        if len(rows) < BATCH:
            return
        before = rows[-1].id
