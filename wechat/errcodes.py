"""WeChat's errcodes that this service acts on, each named once.

What an errcode means for a delivery (retry, fall back, give up) is decided by the push
channel and the outbox policy (notifications/); this module only names them.
"""

from __future__ import annotations

BUSY = -1  # the system is busy: try again shortly
INVALID_TOKEN = 40001
INVALID_TOKEN_FORMAT = 40014
TOKEN_EXPIRED = 42001
# The access token was refused: fetch a fresh one (once) and try again.
TOKEN_ERRORS = frozenset({INVALID_TOKEN, INVALID_TOKEN_FORMAT, TOKEN_EXPIRED})
INVALID_TEMPLATE = 40037
INVALID_MSGTYPE = 47003
NOT_FOLLOWING = 43004  # the person does not follow the account (any more)
NO_CONSENT = 43101  # a subscription notice without consent left to use
QUOTA = 45009  # the day's quota for this API is used up
WINDOW_CLOSED = frozenset({45015, 45047})  # customer-service window closed; too many
MASS_REPEATED = 45065  # this clientmsgid was sent within 24 hours: not sent again
