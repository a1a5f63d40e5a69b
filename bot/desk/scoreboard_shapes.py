"""What staff ask of the scoreboard (考核) and what they get, declared once for the API
(its document too) and the console."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from bot.desk.fields import Answer, Day, QueryShape, Why
from conversations import texts
from storage import scoreboard

_DATE = Why(texts.STAFF_WHY_DATE)
By = Literal["township", "unit", "handler"]
assert set(By.__args__) == set(scoreboard.BY), "a grouping without its SQL"  # type: ignore[attr-defined]


class ScoreboardQuery(QueryShape):
    start: Annotated[
        Day | None,
        Field(description="First day of the period, Beijing (default: this month's first)"),
        _DATE,
    ] = None
    end: Annotated[
        Day | None,
        Field(description="Last day of the period, Beijing, included (default: today)"),
        _DATE,
    ] = None
    by: Annotated[
        By | None,
        Field(
            description="Group by township, responsible unit or handler (default: township; "
            "handler for a department's handlers)"
        ),
        Why(texts.STAFF_WHY_CHOICES.format(choices="、".join(scoreboard.BY))),
    ] = None


Rate = Annotated[float | None, Field(ge=0, le=1, description="A share from 0 to 1; null: none")]
Hours = Annotated[float | None, Field(ge=0, description="Working hours; null: none yet")]


class Counted(Answer):
    """A group's figures (definitions: the scoreboard's ``definitions``)."""

    accepted: int
    returned: int
    extended: int
    resolved: int
    redone: int
    once: int
    followed: int
    rated: int
    very_satisfied: int
    satisfied: int
    basic: int
    due: int
    on_time: int
    urged: int
    supervised: int
    on_time_rate: Rate
    satisfaction: Rate
    basic_share: Rate
    follow_rate: Rate
    once_rate: Rate
    return_rate: Rate
    extension_rate: Rate
    redo_rate: Rate
    wait_median: Hours
    wait_p90: Hours


class Group(Counted):
    """One township, unit or handler: its place (null: under the minimum sample, not
    ranked) and its figures."""

    name: str
    rank: int | None
    ranked: bool


class WeekFigures(Answer):
    week: str = Field(description="ISO week, e.g. 2026-W27")
    monday: date
    accepted: int
    due: int
    on_time: int
    on_time_rate: Rate


class Definition(Answer):
    figure: str
    name: str
    text: str


class Scoreboard(Answer):
    """The scoreboard of a period within the caller's jurisdiction."""

    start: date
    end: date
    by: By
    jurisdiction: str
    min_sample: int
    grouping: str
    ranking: str
    groups: list[Group]
    total: Counted
    weeks: list[WeekFigures]
    definitions: list[Definition]
