"""The push channels, by the name stored in each delivery and used in settings.

Adding a channel is one class (a module of its own beside these) and one line here; the
dispatcher, the fan-out and ticket updates work through whichever channels settings name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from notifications.channels.base import Channel, Push
from notifications.channels.custom import CustomChannel
from notifications.channels.mass import MassChannel
from notifications.channels.subscribe import SubscribeChannel
from notifications.channels.template import TemplateChannel

CHANNELS: Mapping[str, Channel] = {
    c.name: c for c in (CustomChannel(), TemplateChannel(), SubscribeChannel(), MassChannel())
}

__all__ = ["CHANNELS", "Channel", "Push", "Route"]


@dataclass(frozen=True)
class Route:
    """The channels one kind of push tries, in order (the next when one cannot reach the
    person), and the WeChat templates they use, by channel name."""

    channels: tuple[Channel, ...]
    templates: Mapping[str, str]

    @classmethod
    def of(cls, names: Iterable[str], section: object) -> Route:
        """The route a settings section names (``channels`` and each channel's template
        setting, read from ``section``)."""
        channels = tuple(CHANNELS[n] for n in names)
        templates = {
            c.name: str(getattr(section, c.template_setting, "") or "")
            for c in channels
            if c.template_setting
        }
        return cls(channels, templates)

    @property
    def first(self) -> str:
        return self.channels[0].name

    def payload(self, push: Push) -> dict[str, Any]:
        """Everything any of the route's channels needs, plus ``then``: the channels to
        fall back to, in order."""
        payload: dict[str, Any] = {}
        for channel in self.channels:
            payload |= channel.render(push, self.templates.get(channel.name, ""))
        payload["then"] = [c.name for c in self.channels[1:]]
        return payload
