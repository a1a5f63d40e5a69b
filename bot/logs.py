"""Structured logs with no personal data: openids shortened, phone and ID numbers masked."""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from collections.abc import MutableMapping
from typing import Any

import structlog

# Digits as residents type them: ASCII or full-width; groups apart by a space, a dash or
# a dot (full-width too), or not at all; a mobile number with China's +86 or without.
_D = "[0-9０-９]"
_SEP = "[ \u3000\\-－.．]?"
_PHONE = re.compile(
    rf"(?<![0-9０-９])(?:[+＋]?[8８][6６]{_SEP})?([1１][3-9３-９]{_D}){_SEP}{_D}{{4}}{_SEP}({_D}{{4}})(?![0-9０-９])"
)
_ID_NUMBER = re.compile(
    rf"(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])({_D}{{6}}){_SEP}{_D}{{8}}{_SEP}({_D}{{3}}[0-9０-９XxＸｘ])"
    r"(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])"
)
# WeChat openids are 28 characters of [A-Za-z0-9_-], most starting with "o".
_OPENID = re.compile(r"(?<![\w-])(o[\w-]{3})[\w-]{17,36}([\w-]{3})(?![\w-])")
_OPENID_KEYS = {"openid", "to", "touser", "user"}


def short_openid(openid: str) -> str:
    """Enough to tell people apart in a log, not enough to identify them."""
    if len(openid) <= 8:
        return "***"
    return f"{openid[:4]}…{openid[-3:]}"


def _ascii(digits: str) -> str:
    return unicodedata.normalize("NFKC", digits).upper()


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: f"{_ascii(m[1])}********{_ascii(m[2])}", text)
    text = _OPENID.sub(r"\1…\2", text)
    return _PHONE.sub(lambda m: f"{_ascii(m[1])}****{_ascii(m[2])}", text)


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
