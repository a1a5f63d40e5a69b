"""What every push channel is: one class that knows how WeChat delivers through it.

A channel renders a channel-neutral :class:`Push` into its part of a delivery's payload,
sends one delivery (or, for a channel that reaches many people in one call, a group of
them), says whether WeChat drops a repeated send by itself (its duplicate guard), and
acts on the refusals that mean something to it alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from conversations import texts
from storage.outbox import Claimed
from wechat.client import WeChatAPI


@dataclass(frozen=True)
class Push:
    """What one push says, before any channel dresses it."""

    # The whole message in words (customer-service messages, mass sends).
    text: str
    # A template message's heading, its keyword fields in order, and its closing line.
    heading: str = ""
    fields: tuple[str, ...] = ()
    remark: str = ""
    # A subscription notice's short fields, by the names its template gives them.
    brief: Mapping[str, str] = field(default_factory=dict)
    url: str | None = None


class Channel:
    """One way of reaching a person through WeChat. Subclasses set the class attributes
    and implement :meth:`render` and :meth:`send` (or :meth:`send_together`)."""

    # Stored in each delivery row: stable, never renamed.
    name: ClassVar[str]
    # WeChat drops a repeat of the same send itself (a message id we choose), so a send
    # whose answer was lost may safely be tried again.
    guarded: ClassVar[bool] = False
    # One call reaches many people: deliveries are claimed and sent as a group.
    together: ClassVar[bool] = False
    # Reaches one chosen person, so it can carry a reply or a ticket's news.
    personal: ClassVar[bool] = True
    # Least people in one call (together channels); a smaller group goes another way.
    least_together: ClassVar[int] = 1
    # The setting (in each section that routes pushes) naming the WeChat template this
    # channel needs, if it needs one.
    template_setting: ClassVar[str | None] = None

    @property
    def label(self) -> str:
        """The channel's name for staff (a fallback's reason names it)."""
        return texts.CHANNEL_NAMES[self.name]

    def render(self, push: Push, template_id: str) -> dict[str, Any]:
        """This channel's part of a delivery's payload."""
        raise NotImplementedError

    async def send(self, api: WeChatAPI, delivery: Claimed) -> str | None:
        """Send one delivery; WeChat's message id if it gives one. Raises WeChatError or
        WeChatUnavailable as the client does."""
        raise NotImplementedError

    async def send_together(
        self, api: WeChatAPI, group: Sequence[Claimed], name: str, now: datetime
    ) -> str:
        """Send one push to a group of people in one call under ``name`` (a retry goes
        under the same name); what to keep as each delivery's WeChat message id."""
        raise NotImplementedError

    async def spent(self, openids: Sequence[str], now: datetime) -> set[str]:
        """Who this channel may not reach again yet (a mass send's four a month)."""
        return set()

    async def refused(self, delivery: Claimed, errcode: int, now: datetime) -> None:
        """WeChat refused this delivery with ``errcode``: record what that means for this
        channel beyond the delivery itself (nothing, by default)."""
