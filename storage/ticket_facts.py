"""The scoreboard's facts of each ticket (storage.models.TicketFacts), made from its events
and 回访 whenever one is written, in the same transaction, so the scoreboard reads one
narrow row per ticket instead of every event of a period's tickets.

One statement does it, for one ticket or for all (:func:`rebuild`): the migration that
made the table fills it so, and ``township scoreboard rebuild`` runs it again (after
events were loaded by hand, say). The same SQL on SQLite and PostgreSQL; only how a
timestamp becomes seconds and a date a day number differ.

The facts follow the events by tortoise's post_save signal on TicketEvent and FollowUp,
registered when this module is imported (storage.db imports it): every step of a ticket
writes an event, and every way of writing one goes through the model's save, so none can
be missed. Rows written with raw SQL (a benchmark's millions) need :func:`rebuild` afterwards."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.signals import post_save

from storage.models import FollowUp, TicketEvent

# The steps that answer a 受理 (response time runs until the first of them).
HANDLING = ("reply", "resolve", "return", "request-extension")
# Where a ticket still is while it is worked past 受理 (only then it runs against due_on).
WORKING = ("accepted", "in_progress")


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def epoch(column: str, pg: bool) -> str:
    """A timestamp as whole seconds since 1970 (UTC)."""
    if pg:
        # date_part, not EXTRACT: EXTRACT answers numeric, many times slower to work with.
        return f"CAST(FLOOR(date_part('epoch', {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def day_number(column: str, pg: bool) -> str:
    """A DATE as days since 1970-01-01."""
    if pg:
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _first_resolve(column: str) -> str:
    """A column of the ticket's first 办结 event (by the (ticket_id, id) index)."""
    return (
        f"(SELECT e.{column} FROM ticket_event e WHERE e.ticket_id = t.id"
        " AND e.action = 'resolve' ORDER BY e.id LIMIT 1)"
    )


def statement(tickets: str, events: str, pg: bool) -> str:
    """The upsert of the facts of the tickets ``tickets`` picks (a condition on ``t``),
    whose events ``events`` picks (a condition on ``e``)."""
    due = (
        f"CASE WHEN s.resolved_at IS NOT NULL THEN COALESCE({_first_resolve('due_on')}, t.due_on)"
        f" WHEN t.status IN ({_listed(WORKING)}) THEN t.due_on END"
    )
    return f"""
INSERT INTO ticket_facts (ticket_id, township_id, unit_id, handler_id, resolver_id,
  accepted_s, resolved_s, step_s, due_day, returned, extended, redone, followed, score)
SELECT t.id, t.township_id, t.unit_id, t.handler_id,
  CASE WHEN s.resolved_at IS NOT NULL THEN {_first_resolve("staff_id")} END,
  {epoch("s.accepted_at", pg)}, {epoch("s.resolved_at", pg)}, {epoch("s.first_step_at", pg)},
  {day_number(due, pg)},
  COALESCE(s.returned, 0) = 1, COALESCE(s.extended, 0) = 1, COALESCE(s.redone, 0) = 1,
  EXISTS (SELECT 1 FROM follow_up f WHERE f.ticket_id = t.id),
  COALESCE(t.rating, (SELECT f.satisfaction FROM follow_up f WHERE f.ticket_id = t.id
    AND f.satisfaction IS NOT NULL ORDER BY f.id DESC LIMIT 1))
FROM ticket t
LEFT JOIN (
  SELECT e.ticket_id,
    MIN(CASE WHEN e.action = 'accept' THEN e.at END) AS accepted_at,
    MIN(CASE WHEN e.action = 'resolve' THEN e.at END) AS resolved_at,
    MIN(CASE WHEN e.action IN ({_listed(HANDLING)}) THEN e.at END) AS first_step_at,
    MAX(CASE WHEN e.action = 'return' THEN 1 ELSE 0 END) AS returned,
    MAX(CASE WHEN e.action = 'approve-extension' THEN 1 ELSE 0 END) AS extended,
    MAX(CASE WHEN e.action = 'reopen' OR (e.action = 'rate'
        AND e.to_status IN ({_listed(WORKING)})) THEN 1 ELSE 0 END) AS redone
  FROM ticket_event e
  WHERE {events}
  GROUP BY e.ticket_id
) s ON s.ticket_id = t.id
WHERE {tickets}
ON CONFLICT (ticket_id) DO UPDATE SET
  township_id = excluded.township_id, unit_id = excluded.unit_id,
  handler_id = excluded.handler_id, resolver_id = excluded.resolver_id,
  accepted_s = excluded.accepted_s, resolved_s = excluded.resolved_s,
  step_s = excluded.step_s, due_day = excluded.due_day,
  returned = excluded.returned, extended = excluded.extended, redone = excluded.redone,
  followed = excluded.followed, score = excluded.score
"""


def _pg(db: BaseDBAsyncClient) -> bool:
    return bool(db.capabilities.dialect == "postgres")


async def refresh(ticket_id: int, db: BaseDBAsyncClient) -> None:
    """One ticket's facts made again from its events, on ``db`` (the caller's
    transaction, so they land with the step or not at all)."""
    if _pg(db):
        sql, args = statement("t.id = $1", "e.ticket_id = $1", True), [ticket_id]
    else:
        sql, args = statement("t.id = ?", "e.ticket_id = ?", False), [ticket_id, ticket_id]
    await db.execute_query(sql, args)


def everything(pg: bool) -> str:
    """The statement that makes every ticket's facts again from the events."""
    return statement("1 = 1", "1 = 1", pg)


async def rebuild(db: BaseDBAsyncClient) -> None:
    """Every ticket's facts made again from the events (one statement)."""
    await db.execute_query(everything(_pg(db)))


@post_save(TicketEvent, FollowUp)
async def _written(
    sender: type[TicketEvent | FollowUp],
    instance: TicketEvent | FollowUp,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: Any,
) -> None:
    """A ticket's event or 回访 was written: its facts follow, on the same connection."""
    if using_db is None:  # tortoise always passes the connection it saved on
        using_db = instance._choose_db(True)
    await refresh(instance.ticket_id, using_db)
