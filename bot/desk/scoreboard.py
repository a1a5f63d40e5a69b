"""The scoreboard (考核) for staff: a period's figures within their jurisdiction, grouped
and ranked, with what each figure means; the API and the console show the same.

County admins and county-wide supervisors see the county; a township's supervisors and
staff their township; a department's handlers their unit's tickets, by handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.desk.refused import Refused, only
from bot.desk.scoreboard_shapes import (
    Counted,
    Definition,
    Group,
    Scoreboard,
    ScoreboardQuery,
    WeekFigures,
)
from conversations import texts
from storage import scoreboard
from storage.models import Staff, Township, Unit
from storage.scoreboard import Board, Figures, Hours, Key, Period, Scope
from storage.staff import ROLES, StaffMember
from storage.workdays import WorkCalendar

# Longer than a year and a bit is no period anyone is assessed over, and the count's cost
# grows with it.
LONGEST_DAYS = 400
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Rules:
    """What the figures depend on besides the period: the working days and hours
    (response times) and the minimum sample to be ranked."""

    calendar: WorkCalendar
    hours: Hours
    min_sample: int


def scope_of(member: StaffMember) -> Scope:
    """Whose tickets the member's scoreboard counts."""
    only(member.role, *ROLES)
    if member.role == "department_handler":
        return Scope(unit_id=member.unit_id if member.unit_id is not None else -1)
    if member.role == "county_admin" or member.township_id is None:
        return Scope()
    return Scope(township_id=member.township_id)


def period_of(query: ScoreboardQuery, today: date) -> Period:
    """The period asked for (this month so far when not given), or Refused (400)."""
    end = query.end or today
    start = query.start or end.replace(day=1)
    for day, field in ((start, "start"), (end, "end")):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            message = texts.STAFF_SCOREBOARD_YEARS.format(first=FIRST_YEAR, last=LAST_YEAR)
            raise Refused(400, message, field=field)
    if end < start:
        raise Refused(400, texts.STAFF_SCOREBOARD_ORDER, field="end")
    if (end - start).days + 1 > LONGEST_DAYS:
        raise Refused(400, texts.STAFF_SCOREBOARD_TOO_LONG.format(days=LONGEST_DAYS), field="end")
    return Period(start, end, today)


async def board(
    member: StaffMember, query: ScoreboardQuery, today: date, rules: Rules
) -> Scoreboard:
    """The scoreboard this member asked for, within their jurisdiction."""
    scope = scope_of(member)
    period = period_of(query, today)
    by = query.by or ("handler" if member.role == "department_handler" else "township")
    counted = await scoreboard.count(period, by, scope, rules.calendar, rules.hours)
    names = await _names(by, counted)
    return Scoreboard(
        start=period.start,
        end=period.end,
        by=by,
        jurisdiction=member.unit or member.township or texts.SCOREBOARD_COUNTY,
        min_sample=rules.min_sample,
        grouping=texts.SCOREBOARD_GROUPING[by],
        ranking=texts.SCOREBOARD_RANKING.format(min_sample=rules.min_sample),
        groups=ranked(
            [
                Group(name=names[k], rank=None, ranked=False, **_shown(f))
                for k, f in counted.groups.items()
            ],
            rules.min_sample,
        ),
        total=Counted(**_shown(counted.total)),
        weeks=[_week(w) for w in counted.weeks],
        definitions=[
            Definition(figure=k, name=texts.SCOREBOARD_FIGURES[k], text=v)
            for k, v in texts.SCOREBOARD_DEFINITIONS.items()
        ],
    )


def ranked(groups: list[Group], min_sample: int) -> list[Group]:
    """Those with at least ``min_sample`` accepted, by on-time rate then satisfaction
    (a figure with nothing to count last), equal figures sharing a place; then the rest,
    listed by how many they accepted, without a place. Equal figures go by name, so the
    page, a reload and the Excel file list them in one order (the counts come unordered)."""

    def merit(g: Group) -> tuple[float, float]:
        return (
            -1 if g.on_time_rate is None else g.on_time_rate,
            -1 if g.satisfaction is None else g.satisfaction,
        )

    by_name = sorted(groups, key=lambda g: g.name)  # the sorts below keep this among equals
    placed = sorted((g for g in by_name if g.accepted >= min_sample), key=merit, reverse=True)
    rest = sorted((g for g in by_name if g.accepted < min_sample), key=lambda g: -g.accepted)
    shown: list[Group] = []
    for i, g in enumerate(placed):
        tie = shown[-1] if shown and merit(shown[-1]) == merit(g) else None
        shown.append(g.model_copy(update={"rank": tie.rank if tie else i + 1, "ranked": True}))
    return shown + rest


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _shown(f: Figures) -> dict[str, int | float | None]:
    return {
        "accepted": f.accepted,
        "returned": f.returned,
        "extended": f.extended,
        "resolved": f.resolved,
        "redone": f.redone,
        "once": f.once,
        "followed": f.followed,
        "rated": f.rated,
        "very_satisfied": f.very,
        "satisfied": f.satisfied,
        "basic": f.basic,
        "due": f.due,
        "on_time": f.on_time,
        "urged": f.urged,
        "supervised": f.supervised,
        "on_time_rate": _rate(f.on_time_rate),
        "satisfaction": _rate(f.satisfaction),
        "basic_share": _rate(f.basic_share),
        "follow_rate": _rate(f.follow_rate),
        "once_rate": _rate(f.once_rate),
        "return_rate": _rate(f.return_rate),
        "extension_rate": _rate(f.extension_rate),
        "redo_rate": _rate(f.redo_rate),
        "wait_median": _hours(f.wait_median),
        "wait_p90": _hours(f.wait_p90),
    }


def _week(w: scoreboard.Week) -> WeekFigures:
    year, week, _ = w.monday.isocalendar()
    return WeekFigures(
        week=f"{year}-W{week:02d}",
        monday=w.monday,
        accepted=w.accepted,
        due=w.due,
        on_time=w.on_time,
        on_time_rate=_rate(Figures.share(w.on_time, w.due)),
    )


async def _names(by: str, counted: Board) -> dict[Key, str]:
    """Each group's name: the township, the unit (or the township's service centre), the
    handler's username (or none named)."""
    keys = list(counted.groups)
    places = [k.first if by == "township" else k.second for k in keys]
    towns = {t.id: t.name for t in await Township.filter(id__in=places)}
    if by == "township":
        return {k: towns.get(k.first or 0, "") for k in keys}
    if by == "unit":
        units = {u.id: u.name for u in await Unit.filter(id__in=[k.first for k in keys])}
        return {
            k: units[k.first]
            if k.first is not None
            else texts.DETAIL_TOWNSHIP_DESK.format(township=towns.get(k.second or 0, ""))
            for k in keys
        }
    people = {s.id: s.username for s in await Staff.filter(id__in=[k.first for k in keys])}
    return {
        k: people[k.first] if k.first is not None else texts.SCOREBOARD_NO_HANDLER for k in keys
    }
