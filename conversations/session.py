"""A person's conversation state: one JSON document per (appid, openid) in Redis."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import redis.asyncio as aioredis

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


class StaleSession(Exception):
    """Someone else saved the session since it was loaded (should not happen under the lock)."""


# Save only if the stored revision is the one we loaded: a guard, beside the per-user lock,
# against ever overwriting a newer conversation with an older one.
_SAVE = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, doc = pcall(cjson.decode, current)
  if ok and type(doc) == 'table' and doc['revision'] ~= nil
     and tonumber(doc['revision']) ~= tonumber(ARGV[2]) then
    return 0
  end
end
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
end
return 1
"""


class SessionStore:
    """Loads and saves sessions. Keys carry the AppID: ``conv:{appid}:{openid}``."""

    def __init__(self, redis: aioredis.Redis, *, keep_seconds: int) -> None:
        self._redis = redis
        # Kept well past the idle timeout so an expired session can still be recognised
        # and the person told, instead of silently starting over.
        self._keep = keep_seconds
        self._save = redis.register_script(_SAVE)

    @staticmethod
    def key(appid: str, openid: str) -> str:
        return f"conv:{appid}:{openid}"

    async def load(self, appid: str, openid: str) -> tuple[Session, bool]:
        """The session (a fresh one if none), and whether a stored one was unreadable."""
        raw = await self._redis.get(self.key(appid, openid))
        if raw is None:
            return Session(), False
        session = Session.from_json(raw)
        if session is None:
            return Session(), True
        return session, False

    async def save(self, appid: str, openid: str, session: Session, loaded_revision: int) -> None:
        """Save (or delete, when the session is idle and empty) if nobody saved in between."""
        payload = "" if not session.active else session.to_json()
        ok = await self._save(
            keys=[self.key(appid, openid)], args=[payload, loaded_revision, self._keep]
        )
        if not ok:
            raise StaleSession(self.key(appid, openid))
