"""What staff operations need from the running app: a ticket change (``work``) and the
scoreboard (``scoreboard_rules``)."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.desk.scoreboard import Rules
from bot.desk.tickets import Work
from storage.scoreboard import Hours


def work(app: web.Application) -> Work:
    """The time now, the deadline clock, and how residents are told."""
    return Work(app[keys.CLOCK](), app[keys.DEADLINES], app[keys.TICKET_RENDERING].message)


def scoreboard_rules(app: web.Application) -> Rules:
    """The scoreboard's working days, working hours and minimum sample for this app."""
    supervision = app[keys.SETTINGS].supervision
    return Rules(
        calendar=app[keys.WORK_CALENDAR],
        hours=Hours(supervision.day_starts, supervision.day_ends),
        min_sample=supervision.min_sample,
    )
