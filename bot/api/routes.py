"""The staff API's operations: one table that both the router and the OpenAPI document
read, so a route cannot be served without being described, nor described differently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel

from bot.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A request shape, or one made from the settings (limits an operator may change).
ShapeOf = type[BaseModel] | Callable[[Settings], type[BaseModel]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /api/v1, with {name} for each path parameter
    handler: Handler
    summary: str
    answer: type[BaseModel] | None  # what a success sends back (None: not JSON)
    status: int = 200
    body: ShapeOf | None = None
    query: type[BaseModel] | None = None
    params: type[BaseModel] | None = None  # the path's parameters
    # Refusals besides the ones the shapes imply (400 for a body or query, 404 for a path).
    refusals: tuple[int, ...] = ()
    login: bool = True  # needs a bearer token (401)
    budget: bool = True  # counted against the account's request budget (429)
    description: str = ""
    # The same body from the same account a moment later is a retry, not a second action
    # (bot.api.once); without it only an Idempotency-Key says so (an invite asked for
    # twice is two invites).
    same_body_is_retry: bool = False
    # Fields of the answer shown once and never kept (a password): a replay of the action
    # (bot.api.once) says it was shown in the first answer instead.
    shown_once: tuple[str, ...] = ()
    # For one route that stands for several documented ones ({action}): each variant's
    # path, summary and body.
    variants: Mapping[str, Variant] = field(default_factory=dict)
    # The media type of the file a success sends (an export), named in the document with
    # its Content-Disposition; answer is None then.
    file: str = ""


@dataclass(frozen=True)
class Variant:
    summary: str
    body: type[BaseModel]
    description: str = ""


def roles(*names: str) -> str:
    """The sentence an operation's description gives to who may call it."""
    return "Roles: " + ", ".join(names) + "."


def shape_of(shape: ShapeOf, settings: Settings) -> type[BaseModel]:
    if isinstance(shape, type):
        return shape
    return shape(settings)
