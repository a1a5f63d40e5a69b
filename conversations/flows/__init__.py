"""The flows this account offers, by id, and who lands where (conversations.flows.home)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from conversations.flow import Flow
from conversations.flows import (
    feedback,
    grid_menu,
    grid_report,
    grid_visit,
    menu,
    mine,
    notices,
    progress,
    resident_menu,
    service,
)
from conversations.flows.home import Home, default_home


class FlowRegistry:
    """The flows the engine may run, and the ``home`` that says who lands where; a test
    may register fewer flows, and keeps the default home."""

    def __init__(self, flows: Iterable[Flow], home: Home | None = None) -> None:
        self._flows: dict[str, Flow] = {flow.id: flow for flow in flows}
        self.home = home or default_home()

    def get(self, flow_id: str | None) -> Flow | None:
        return self._flows.get(flow_id) if flow_id else None

    def __contains__(self, flow_id: str) -> bool:
        return flow_id in self._flows

    def __iter__(self) -> Iterator[Flow]:
        return iter(self._flows.values())


def default_flows() -> FlowRegistry:
    return FlowRegistry(
        [
            menu.FLOW,
            service.FLOW,
            feedback.FLOW,
            progress.FLOW,
            mine.FLOW,
            notices.FLOW,
            grid_menu.FLOW,
            grid_report.FLOW,
            resident_menu.FLOW,
            grid_visit.FLOW,
        ]
    )
