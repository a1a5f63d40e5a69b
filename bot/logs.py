"""Structured logs with no personal data: openids shortened, phone and ID numbers masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# WeChat openids are 28 characters of [A-Za-z0-9_-], most starting with "o".
_OPENID = re.compile(r"(?<![\w-])(o[\w-]{3})[\w-]{17,36}([\w-]{3})(?![\w-])")
_OPENID_KEYS = {"openid", "to", "touser", "user"}


def short_openid(openid: str) -> str:
    """Enough to tell people apart in a log, not enough to identify them."""
    if len(openid) <= 8:
        return "***"
    return f"{openid[:4]}…{openid[-3:]}"


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _OPENID.sub(r"\1…\2", text)
    return _PHONE.sub(r"\1****\2", text)


def _mask(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if isinstance(value, str):
            if key in _OPENID_KEYS:
                event[key] = short_openid(value)
            else:
                event[key] = mask_text(value)
    return event


def configure(level: str = "info", json_lines: bool = False) -> None:
    """Route structlog and the standard library's logging through one masking pipeline."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=False),
        # Tracebacks become text before masking: exception messages carry openids too.
        structlog.processors.format_exc_info,
        _mask,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        # Dropped before any work when the level is off: the dispatcher logs every send.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Database drivers log SQL with its parameters at debug level: personal data.
    for name in ("tortoise", "tortoise.db_client", "aiosqlite", "asyncpg"):
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
