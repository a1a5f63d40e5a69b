"""GET /metrics: the outbox as Prometheus sees it (no personal data).

Counts by state come from the database, so every process reports the same totals; the
attempt counters are this process's own since it started.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from tortoise.functions import Count

from bot import keys
from notifications.channels import CHANNELS
from storage.models import Delivery, Notice


class _Snapshot(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._metrics


async def metrics(request: web.Request) -> web.Response:
    dispatcher = request.app[keys.DISPATCHER]
    deliveries = GaugeMetricFamily(
        "township_outbox_deliveries",
        "Deliveries in the outbox by state and channel (all processes)",
        labels=["state", "channel"],
    )
    rows = (
        await Delivery.all()
        .annotate(n=Count("id"))
        .group_by("state", "channel")
        .values("state", "channel", "n")
    )
    for row in rows:
        deliveries.add_metric([str(row["state"]), str(row["channel"])], int(row["n"]))
    paused = GaugeMetricFamily(
        "township_outbox_channel_paused",
        "1 while WeChat's daily quota for the channel is used up (45009), until midnight "
        "Beijing time",
        labels=["channel"],
    )
    stopped = set(await dispatcher.paused_channels())
    for channel in CHANNELS:
        paused.add_metric([channel], 1.0 if channel in stopped else 0.0)
    attempts = CounterMetricFamily(
        "township_outbox_attempts",
        "Send attempts made by this process, by channel and outcome",
        labels=["channel", "outcome"],
    )
    for (channel, outcome), n in sorted(dispatcher.outcomes.items()):
        attempts.add_metric([channel, outcome], n)
    fanouts = GaugeMetricFamily(
        "township_notices_fanout_unfinished",
        "Published notices whose households are still being queued",
    )
    fanouts.add_metric([], await Notice.filter(state="published", fanout_done=False).count())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot([deliveries, paused, attempts, fanouts]))
    return web.Response(
        body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
