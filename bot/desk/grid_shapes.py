"""What staff send and get about grids (网格): a new grid, the path's grid and worker, and
the grid, its workers, an invite and the visit ledger as shown; declared once for the API
(its document too) and the console."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from bot.desk.fields import (
    DIGITS,
    ID_MAX,
    SMALL_ID_MAX,
    STRIP,
    STRIP_MAYBE,
    Answer,
    QueryShape,
    Shape,
    Why,
    column_max,
    filter_of,
    words,
)
from conversations import texts
from storage.models import Township


class NewGrid(Shape):
    code: Annotated[str, words(32), STRIP]
    name: Annotated[str, words(64), STRIP]
    township: Annotated[str, words(32), STRIP, Field(description="The township's name")]
    village: Annotated[
        str | None, words(32), STRIP_MAYBE, Field(description="A village of that township")
    ] = None
    latitude: Annotated[
        float | None,
        Field(ge=-90, le=90, allow_inf_nan=False),
        Why(texts.STAFF_WHY_BETWEEN.format(limit=90)),
    ] = None
    longitude: Annotated[
        float | None,
        Field(ge=-180, le=180, allow_inf_nan=False),
        Why(texts.STAFF_WHY_BETWEEN.format(limit=180)),
    ] = None
    place: Annotated[
        str | None,
        words(100),
        STRIP_MAYBE,
        Field(description="Where a report 就在网格里 is put (else the village or township)"),
    ] = None


class GridQuery(QueryShape):
    township: Annotated[str | None, filter_of(column_max(Township, "name"))] = None


class GridRef(QueryShape):
    id: Annotated[int, Field(ge=1, le=SMALL_ID_MAX), DIGITS]


class WorkerRef(GridRef):
    worker: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


class GridShown(Answer):
    """The grid."""

    id: int
    code: str
    name: str
    township: str
    village: str | None
    latitude: float | None
    longitude: float | None
    place: str


class GridList(Answer):
    """The grids within the caller's jurisdiction."""

    grids: list[GridShown]


class Invite(Answer):
    """A one-time binding code."""

    code: str
    scene: str = Field(description="For a QR code a worker scans")
    grid: str
    expires_at: datetime
    how: str


class Worker(Answer):
    id: int
    name: str | None
    openid: str = Field(description="Shortened")
    bound_at: datetime


class Workers(Answer):
    """The grid's workers."""

    grid: str
    workers: list[Worker]


class Unbound(Answer):
    """Unbound."""

    grid: str
    unbound: int


class VisitShown(Answer):
    id: int
    group: str
    group_name: str
    person: str
    findings: str
    health: str
    needs_help: bool
    visited_at: datetime
    worker: str | None


class Visits(Answer):
    """The visits, newest first."""

    grid: str
    visits: list[VisitShown]
