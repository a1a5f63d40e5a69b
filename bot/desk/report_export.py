"""A notice's delivery report (bot.desk.notices.report) as a file: what the report page
shows, one row per figure (item, what it is, households), no openids."""

from __future__ import annotations

from datetime import datetime

from bot.desk import notices
from bot.desk.notice_shapes import Report
from bot.desk.workbook import Column, Export, Row, file_name, held
from conversations import texts
from storage import audit
from storage.clock import local_day
from storage.staff import StaffMember

_W = texts.EXPORT_REPORT_COLUMNS
COLUMNS = [Column(_W["item"], 18), Column(_W["detail"], 44, wrap=True), Column(_W["count"], 10)]
_R = texts.EXPORT_REPORT_ROWS
_N = texts.CONSOLE_NOTICES


async def report(member: StaffMember, notice_id: int, *, now: datetime) -> Export:
    """The report of a notice this person may read (404 otherwise), the export recorded."""
    notice = await notices.find(member, notice_id)
    shown = await notices.report_of(notice)
    await audit.record(member.id, audit.EXPORT, now, f"report.xlsx notice={notice.id}")
    return Export(
        title=texts.EXPORT_REPORT,
        name=file_name(texts.EXPORT_REPORT, notice.title, f"{local_day(now):%Y%m%d}"),
        columns=COLUMNS,
        batches=held(rows(shown)),
    )


def rows(report: Report) -> list[Row]:
    """The report's figures as the page lists them."""
    found: list[Row] = [
        [_R["notice"], report.title, None],
        [_R["published_at"], report.published_at, None],
        [_R["households"], "", report.households],
        [_R["reached_total"], "", report.reached_total],
        [_R["waiting"], "", report.waiting],
    ]
    for channel, count in report.reached.items():
        found.append([_R["reached"], texts.CHANNEL_NAMES.get(channel, channel), count])
    for miss in report.not_reached:
        state = _N.get(f"miss_{miss.state}", miss.state)
        found.append(
            [f"{_R['not_reached']}：{state}", miss.reason or _N["reason_none"], miss.count]
        )
    for job in report.mass_sends:
        line = _N["mass_line"].format(
            households=job.households,
            status=job.status or "",
            sent="" if job.sent is None else job.sent,
            filtered="" if job.filtered is None else job.filtered,
            errors="" if job.errors is None else job.errors,
        )
        found.append([_N["mass_sends"], line, job.households])
    for bucket in report.over_time.buckets:
        found.append([_N["over_time"], bucket.start, bucket.sent])
    return found
