"""What flows may use from the outside world, handed to every step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import ClassVar

from storage import notices, outbox, residents


@dataclass(frozen=True)
class AccountInfo:
    name: str
    hotline: str
    office_hours: str
    # The township that owns the account; empty when the county does.
    township: str = ""


@dataclass(frozen=True)
class Services:
    """The account's details, the clock, and the record (storage queries)."""

    account: AccountInfo
    clock: Callable[[], datetime]
    residents: ClassVar[ModuleType] = residents
    outbox: ClassVar[ModuleType] = outbox
    notices: ClassVar[ModuleType] = notices
