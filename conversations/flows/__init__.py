"""The flows this account offers, by id."""

from __future__ import annotations

from collections.abc import Iterable

from conversations.flow import Flow
from conversations.flows import feedback, grid, menu, mine, notices, progress, service


class FlowRegistry:
    def __init__(self, flows: Iterable[Flow]) -> None:
        self._flows = {flow.id: flow for flow in flows}

    def get(self, flow_id: str | None) -> Flow | None:
        return self._flows.get(flow_id) if flow_id else None

    def __contains__(self, flow_id: str) -> bool:
        return flow_id in self._flows


def default_flows() -> FlowRegistry:
    return FlowRegistry(
        [
            menu.FLOW,
            service.FLOW,
            feedback.FLOW,
            progress.FLOW,
            mine.FLOW,
            notices.FLOW,
            grid.MENU,
            grid.REPORT,
            grid.RESIDENT_MENU,
            grid.VISIT,
        ]
    )
