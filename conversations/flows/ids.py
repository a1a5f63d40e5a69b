"""Every flow's id, declared once: sessions store these values, so they never change."""

from __future__ import annotations

from enum import StrEnum


class FlowId(StrEnum):
    MENU = "menu"
    SERVICE = "service"
    FEEDBACK = "feedback"
    PROGRESS = "progress"
    MINE = "mine"
    NOTICES = "notices"
    GRID_MENU = "grid_menu"
    GRID_REPORT = "grid_report"
    GRID_VISIT = "grid_visit"
    RESIDENT_MENU = "resident_menu"
