"""What flows may use from the outside world, handed to every step.

The records are typed by what flows call, no more: production hands over the storage
modules themselves (mypy checks a module against a Protocol), and a test may hand over
anything with the same methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from conversations.intents import Reader
from storage import catalog, drafts, grids, notices, residents, staff, tickets
from storage.drafts import Draft
from storage.grids import Redemption
from storage.guesses import Guesses
from storage.models import Grid, Notice, Resident, ServiceItem, Staff, Ticket, TicketEvent, Visit
from storage.residents import Place, Profile
from storage.tickets import Actor, Alerts, Change, Message, NewTicket
from storage.workdays import WorkCalendar


class ResidentRecords(Protocol):
    """Who a person is to the account, and what they told it (storage.residents)."""

    async def profile(self, appid: str, openid: str) -> Profile: ...

    async def register(
        self,
        appid: str,
        openid: str,
        *,
        at: datetime,
        name: str | None = None,
        phone: str | None = None,
        village_id: int | None = None,
    ) -> None: ...

    async def forget(self, appid: str, openid: str) -> None: ...

    async def ensure_resident(self, appid: str, openid: str) -> Resident: ...

    async def place_of(self, appid: str, openid: str) -> tuple[Resident, str | None] | None: ...

    async def place_names(self, village_id: int) -> tuple[str, str] | None: ...

    async def townships(self) -> list[Place]: ...

    async def villages(self, township_id: int) -> list[Place]: ...

    async def record_subscribe(
        self,
        appid: str,
        openid: str,
        at: datetime,
        scene: str | None,
        *,
        township: str = "",
        default_areas: Sequence[str] = (),
    ) -> bool: ...

    async def record_unsubscribe(
        self, appid: str, openid: str, at: datetime, reason: str
    ) -> None: ...


class CatalogRecords(Protocol):
    """The service catalog (storage.catalog)."""

    async def active_items(self) -> list[ServiceItem]: ...

    async def areas(self) -> list[str]: ...

    async def in_area(self, area: str) -> list[ServiceItem]: ...

    async def by_id(self, item_id: int) -> ServiceItem | None: ...


class TicketRecords(Protocol):
    """A person's tickets (storage.tickets)."""

    async def create(
        self, new: NewTicket, *, now: datetime, message: Message, alerts: Alerts | None = None
    ) -> tuple[Ticket, bool]: ...

    async def act(
        self,
        number: str,
        change: Change,
        actor: Actor,
        *,
        now: datetime,
        calendar: WorkCalendar,
        message: Message,
    ) -> tuple[Ticket, TicketEvent] | None: ...

    async def own(self, resident_id: int, number: str) -> Ticket | None: ...

    async def of_resident(
        self, resident_id: int, limit: int, kind: str | None = None
    ) -> list[Ticket]: ...

    async def latest_since(self, resident_id: int, since: datetime) -> Ticket | None: ...

    async def waiting_for_rating(self, resident_id: int) -> list[str]: ...

    async def open_in_grids(
        self, grid_ids: Sequence[int], village_ids: Sequence[int], limit: int
    ) -> list[Ticket]: ...


class NoticeRecords(Protocol):
    """Notices and who wants which (storage.notices)."""

    async def latest_for(
        self, township_id: int | None, village_id: int | None, *, now: datetime, limit: int
    ) -> list[Notice]: ...

    async def readable(
        self, notice_id: int, township_id: int | None, village_id: int | None
    ) -> Notice | None: ...

    async def areas_of(self, resident_id: int) -> set[str]: ...

    async def subscribe(self, resident_id: int, areas: Iterable[str], now: datetime) -> None: ...

    async def unsubscribe(self, resident_id: int, area: str, *, reason: str) -> int: ...


class GridRecords(Protocol):
    """Grids, their workers and binding codes, visits (storage.grids)."""

    async def is_worker(self, appid: str, openid: str) -> bool: ...

    async def grids_of(self, appid: str, openid: str) -> list[Grid]: ...

    async def redeem(self, code: str, appid: str, openid: str, now: datetime) -> Redemption: ...

    def code_from_scene(self, scene: str | None) -> str | None: ...

    async def record_visit(
        self,
        appid: str,
        openid: str,
        *,
        group: str,
        person: str,
        findings: str,
        health: str,
        needs_help: bool,
        at: datetime,
    ) -> Visit | None: ...


class DraftRecords(Protocol):
    """Conversations in the middle of something, kept in the database (storage.drafts)."""

    async def keep(
        self, appid: str, openid: str, revision: int, session: str, now: datetime
    ) -> None: ...

    async def find(self, appid: str, openid: str, since: datetime) -> Draft | None: ...

    async def drop(self, appid: str, openid: str) -> None: ...


def _never() -> bool:
    return False


class StaffRecords(Protocol):
    """Staff as flows meet them: linking WeChat, who is on duty (storage.staff)."""

    async def link_wechat(
        self, code: str, appid: str, openid: str, now: datetime
    ) -> Staff | None: ...

    async def on_duty_in(self, township_id: int) -> list[Staff]: ...


@dataclass(frozen=True)
class AccountInfo:
    name: str
    hotline: str
    office_hours: str
    # The township that owns the account; empty when the county does.
    township: str = ""


@dataclass(frozen=True)
class Services:
    """The account's details, the clock, and the record (storage queries). The records
    default to the storage modules; a test may pass its own."""

    account: AccountInfo
    clock: Callable[[], datetime]
    calendar: WorkCalendar
    # Builds the push that tells a resident their ticket moved (notifications/).
    ticket_message: Message
    # Who on duty hears of a new ticket at once (all of them of an urgent grid report,
    # those who asked for it of every request), and how.
    ticket_alerts: Alerts
    # 办理时限 (working days) of complaints, suggestions and help requests, by kind.
    feedback_days: Mapping[str, int]
    # Wrong binding codes, rationed per person.
    guesses: Guesses
    residents: ResidentRecords = residents
    catalog: CatalogRecords = catalog
    tickets: TicketRecords = tickets
    notices: NoticeRecords = notices
    grids: GridRecords = grids
    staff: StaffRecords = staff
    drafts: DraftRecords = drafts
    # Whether Redis lost sessions lately (storage.redis_loss): then each conversation is
    # checked against its draft.
    recovering: Callable[[], bool] = _never
    # What a message means (conversations.intents): its patterns compiled once.
    reader: Reader = field(default_factory=Reader)
