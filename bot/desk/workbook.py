"""Files staff open in Excel: a workbook is a title, Chinese column headers and rows that
arrive in batches (read from the database a page at a time), written as .xlsx in
openpyxl's write-only mode to a file, or as CSV, so that memory stays flat however many
rows there are. Any export (tickets, the visit ledger, a notice's report, and later the
scoreboard and open 督办单) is one ``Export``."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage.clock import BEIJING

Value = str | int | float | bool | date | datetime | None
Row = Sequence[Value]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# How Excel shows the dates and times (Beijing time, real dates it can sort and count).
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
# A spreadsheet takes text starting with these for a formula (CSV injection): in CSV such
# a cell is prefixed with ', in .xlsx it is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl refuses them): dropped from cells.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
CELL_MAX = 32767  # Excel's limit on a cell's text
SHEET_TITLE_MAX = 31
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """A column: its Chinese header and width in Excel's character units (a Chinese
    character takes about two)."""

    header: str
    width: float = 12
    wrap: bool = False  # long text over several lines (办理经过)


@dataclass(frozen=True)
class Export:
    """One sheet to write: its title, its columns, and its rows in batches (an async
    iterator read once). ``name`` is the file's name without its extension."""

    title: str
    name: str
    columns: Sequence[Column]
    batches: AsyncIterator[Sequence[Row]]


def _text(value: str) -> str:
    return _ILLEGAL.sub("", value)[:CELL_MAX]


def _local(value: datetime) -> datetime:
    """Excel knows no time zones: the Beijing wall-clock time."""
    if value.tzinfo is not None:
        value = value.astimezone(BEIJING).replace(tzinfo=None)
    return value


# .xlsx ----------------------------------------------------------------------------------


class _Cells:
    """Turns a row's values into what a write-only sheet takes: dates and times as
    styled cells (one reused per column, written out before it is set again), text that
    looks like a formula as text."""

    def __init__(self, sheet: WriteOnlyWorksheet, columns: Sequence[Column]) -> None:
        self.sheet = sheet
        self.dates = [self._cell(DATE_FORMAT, c.wrap) for c in columns]
        self.times = [self._cell(TIME_FORMAT, c.wrap) for c in columns]
        self.wrapped = [self._cell(None, True) if c.wrap else None for c in columns]

    def _cell(self, number_format: str | None, wrap: bool) -> Cell:
        cell = WriteOnlyCell(self.sheet)
        if number_format:
            cell.number_format = number_format
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def row(self, values: Row) -> list[Any]:
        out: list[Any] = []
        for i, value in enumerate(values):
            if isinstance(value, datetime):
                cell = self.times[i]
                cell.value = _local(value)
                out.append(cell)
            elif isinstance(value, date):
                cell = self.dates[i]
                cell.value = value
                out.append(cell)
            elif isinstance(value, str):
                text = _text(value)
                wrapped = self.wrapped[i]
                if wrapped is not None or text.startswith("="):
                    # A styled cell is written out before it is set again; an unstyled
                    # one would be reused by openpyxl for the next value: a fresh one.
                    cell = wrapped or WriteOnlyCell(self.sheet)
                    cell.value = text
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    out.append(cell)
                else:
                    out.append(text)
            else:
                out.append(value)
        return out


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_BAD.sub("_", title)[:SHEET_TITLE_MAX] or "Sheet1"


def _begin(export: Export) -> tuple[Workbook, WriteOnlyWorksheet, _Cells]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(export.title))
    for i, column in enumerate(export.columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    headers = []
    for column in export.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        headers.append(cell)
    sheet.append(headers)
    return book, sheet, _Cells(sheet, export.columns)


def _append(sheet: WriteOnlyWorksheet, cells: _Cells, batch: Sequence[Row]) -> None:
    for values in batch:
        sheet.append(cells.row(values))


async def write_xlsx(export: Export, path: Path) -> int:
    """The workbook written to ``path``; the number of rows. Each batch is turned into
    XML in a worker thread (that is CPU work), so the event loop keeps serving others
    while a large export is written."""
    book, sheet, cells = await asyncio.to_thread(_begin, export)
    count = 0
    try:
        async for batch in export.batches:
            await asyncio.to_thread(_append, sheet, cells, batch)
            count += len(batch)
    except BaseException:
        _abandon(sheet)
        raise
    await asyncio.to_thread(book.save, str(path))
    return count


def _abandon(sheet: WriteOnlyWorksheet) -> None:
    """A sheet given up half-written: its XML closed and openpyxl's own temporary file
    removed now (left open, it would fail when collected and stay until exit)."""
    try:
        sheet.close()
        writer = getattr(sheet, "_writer", None)
        if writer is not None:
            writer.cleanup()
    except Exception:  # already failing: the first error is the one to tell
        pass


# CSV ------------------------------------------------------------------------------------


def _csv_value(value: Value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = _text(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return value


def _csv_lines(rows: Sequence[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _write_lines(out: BinaryIO, rows: Sequence[Row]) -> None:
    out.write(_csv_lines(rows))


async def write_csv(export: Export, path: Path) -> int:
    """The export as CSV in ``path``; the number of rows. UTF-8 with a byte-order mark
    (so Excel reads the Chinese), the headers first, every cell that could be taken for
    a formula prefixed with '."""
    count = 0
    with path.open("wb") as out:
        head = "\ufeff".encode() + _csv_lines([[c.header for c in export.columns]])
        await asyncio.to_thread(out.write, head)
        async for batch in export.batches:
            await asyncio.to_thread(_write_lines, out, batch)
            count += len(batch)
    return count


WRITERS = {"xlsx": (write_xlsx, XLSX), "csv": (write_csv, CSV)}


def file_name(*parts: str) -> str:
    """A file's name from its parts (what, where, when), joined by underscores; the
    characters a file system or a header cannot take replaced."""
    joined = "_".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "-", joined) or "export"


async def held(rows: Sequence[Row]) -> AsyncIterator[Sequence[Row]]:
    """Rows already in memory (a short report) as the one batch of an export."""
    yield rows
