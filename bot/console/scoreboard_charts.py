"""The scoreboard's two charts as geometry for inline SVG (drawn by the template, like the
notice report's): tickets accepted and the on-time rate per week, and each group's
satisfaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.desk.scoreboard_shapes import Group, WeekFigures
from conversations import texts

_WORDS = texts.CONSOLE_SCOREBOARD
# The drawing's own units (the SVG scales to the page's width).
WIDTH, HEIGHT = 360, 160
LEFT, RIGHT, BOTTOM, TOP = 30, 34, 22, 8
ROW = 22  # one group's bar in the satisfaction chart


def percent(rate: float | None) -> str:
    return _WORDS["no_rate"] if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # read by a screen reader or on hover
    value: str = ""  # written beside the bar


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Weekly:
    """Bars of tickets accepted, and a line of the on-time rate over them."""

    bars: list[Bar]
    dots: list[Dot]
    line: str  # the polyline's points
    peak: int
    caption: str
    first: str
    last: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    base: int = HEIGHT - BOTTOM
    top: int = TOP


def week_name(w: WeekFigures) -> str:
    """A week as a clerk says it: the day it starts (not its ISO number)."""
    return _WORDS["week_of"].format(month=w.monday.month, day=w.monday.day)


def weekly(weeks: list[WeekFigures]) -> Weekly | None:
    """None when the period has no week with anything in it."""
    if not any(w.accepted or w.due for w in weeks):
        return None
    peak = max(w.accepted for w in weeks) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    step = plot_w / len(weeks)
    gap = min(4.0, step * 0.25)
    bars, dots = [], []
    for i, w in enumerate(weeks):
        h = round(plot_h * w.accepted / peak, 2)
        x = round(LEFT + i * step + gap / 2, 2)
        label = _WORDS["weekly_bar"].format(week=week_name(w), n=w.accepted)
        bars.append(Bar(x, round(HEIGHT - BOTTOM - h, 2), round(step - gap, 2), h, label))
        if w.on_time_rate is not None:
            y = round(HEIGHT - BOTTOM - plot_h * w.on_time_rate, 2)
            rate = percent(w.on_time_rate)
            label = _WORDS["weekly_dot"].format(week=week_name(w), rate=rate)
            dots.append(Dot(round(LEFT + (i + 0.5) * step, 2), y, label))
    first, last = weeks[0].monday, weeks[-1].monday + timedelta(days=6)
    caption = _WORDS["weekly_caption"].format(peak=peak, first=first, last=last)
    line = " ".join(f"{d.x},{d.y}" for d in dots)
    return Weekly(bars, dots, line, peak, caption, week_name(weeks[0]), week_name(weeks[-1]))


@dataclass(frozen=True)
class Satisfaction:
    """One horizontal bar per group with anything rated, 0-100%."""

    bars: list[Bar]
    names: list[tuple[float, str]]  # each bar's label: its y and the group's name
    width: int
    height: int
    left: int


def satisfaction(groups: list[Group]) -> Satisfaction | None:
    rated = [g for g in groups if g.satisfaction is not None]
    if not rated:
        return None
    left = 110
    plot_w = WIDTH - left - 40
    bars, names = [], []
    for i, g in enumerate(rated):
        rate = g.satisfaction or 0.0
        y = TOP + i * ROW
        label = _WORDS["satisfaction_bar"].format(name=g.name, rate=percent(rate), rated=g.rated)
        width = round(plot_w * rate, 2)
        bars.append(Bar(float(left), float(y), width, ROW - 6.0, label, percent(rate)))
        names.append((y + ROW / 2, g.name[:8]))
    return Satisfaction(bars, names, WIDTH, TOP * 2 + len(rated) * ROW, left)
