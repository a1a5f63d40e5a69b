"""A person's conversation state: one JSON document per (appid, openid) in Redis."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = 1
HISTORY_LIMIT = 10


@dataclass
class Session:
    """Where a person is: which flow (and its version), which step, what they answered."""

    flow: str | None = None
    version: int = 0
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # (step, data) before each move forward, newest last, for 返回.
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    attempts: int = 0
    revision: int = 0
    started_at: float = 0.0
    updated_at: float = 0.0

    @property
    def active(self) -> bool:
        return self.flow is not None

    def to_json(self) -> str:
        doc = asdict(self)
        doc["schema"] = SCHEMA
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Session | None:
        """None when the document is unreadable or from another schema."""
        try:
            doc = json.loads(raw)
            if doc.pop("schema", None) != SCHEMA:
                return None
            doc["history"] = [(str(step), dict(data)) for step, data in doc.get("history", [])]
            return cls(**doc)
        except (ValueError, TypeError, AttributeError):
            return None


class SessionSnapshot:
    """The session as read at the start of a turn, and what to write at its end.

    The inbox reads the session in the same Redis round trip that claims the message and
    takes the person's lock, and writes it back in the one that stores the reply and
    releases the lock (storage.turn_store); the engine sees only load and save.
    """

    def __init__(self, stored: bytes | None) -> None:
        self._stored = stored
        self.payload: str | None = None  # None: leave as is; "": delete
        self.loaded_revision = 0

    async def load(self, appid: str, openid: str) -> tuple[Session, bool]:
        """The session (a fresh one if none), and whether a stored one was unreadable."""
        if self._stored is None:
            return Session(), False
        session = Session.from_json(self._stored)
        if session is None:
            # Keep its revision, so saving over it is not mistaken for a lost update.
            return Session(revision=_stored_revision(self._stored)), True
        return session, False

    async def save(self, appid: str, openid: str, session: Session, loaded_revision: int) -> None:
        """Idle sessions are deleted rather than kept."""
        self.payload = session.to_json() if session.active else ""
        self.loaded_revision = loaded_revision


def session_key(appid: str, openid: str) -> str:
    """Keys carry the AppID, so one deployment can serve several accounts."""
    return f"conv:{appid}:{openid}"


def _stored_revision(raw: bytes) -> int:
    try:
        doc = json.loads(raw)
        revision = doc.get("revision") if isinstance(doc, dict) else None
        return int(revision) if isinstance(revision, int | float | str) else 0
    except (ValueError, TypeError, OverflowError):
        return 0
