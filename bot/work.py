"""What a staff operation that changes a ticket needs from the running app."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.desk.tickets import Work


def work(app: web.Application) -> Work:
    """The time now, the deadline clock, and how residents are told."""
    return Work(app[keys.CLOCK](), app[keys.DEADLINES], app[keys.TICKET_RENDERING].message)
