"""A staff operation refused: the status a caller is answered with and one plain sentence."""

from __future__ import annotations

from typing import Any

from conversations import texts


class Refused(Exception):
    """Raised by a staff operation; nothing it would have changed has changed.

    ``status`` is the HTTP status either way in gives (400 bad input, 403 not theirs to
    do, 404 not there or not theirs to see, 409 not in this state, 422 a key reused);
    ``extra`` carries what the JSON answer adds (``field``, ``ticket_status``)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def only(role: str, *roles: str) -> None:
    """Refused (403) unless ``role`` is among ``roles``: the words every operation a
    role may not take answers with."""
    if role not in roles:
        raise Refused(403, texts.STAFF_FORBIDDEN_ROLE)
