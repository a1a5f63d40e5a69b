"""The audit trail (audit_entry): what staff did that must be inspectable, under action
names declared here once. They are stored: rename one and old rows no longer match."""

from __future__ import annotations

from datetime import datetime

from storage.models import AuditEntry

# Reads of personal data.
VIEW_CONTACT = "view_contact"  # a resident's name and phone shown whole (a ticket)
VIEW_VISITS = "view_visits"  # a grid's visit ledger, names and health shown
VIEW_VISITS_MASKED = "view_visits_masked"  # the same, masked
# Exports (detail: what was exported and its filter): each an audited read.
EXPORT = "export"
# Staff accounts (detail: the account's username).
STAFF_CREATED = "staff_created"
STAFF_DISABLED = "staff_disabled"
STAFF_ENABLED = "staff_enabled"
STAFF_PASSWORD_RESET = "staff_password_reset"
STAFF_LEAD_SET = "staff_lead_set"  # detail: the account and whether it now leads
# Reply templates, 常用语 (detail: the template's id and title).
TEMPLATE_ADDED = "template_added"
TEMPLATE_EDITED = "template_edited"
TEMPLATE_RETIRED = "template_retired"
# The holiday calendar (detail: the year and what it now holds, or the day removed).
HOLIDAYS_SET = "holidays_set"
HOLIDAY_REMOVED = "holiday_removed"

ACTIONS = frozenset(
    {
        VIEW_CONTACT,
        VIEW_VISITS,
        VIEW_VISITS_MASKED,
        EXPORT,
        STAFF_CREATED,
        STAFF_DISABLED,
        STAFF_ENABLED,
        STAFF_PASSWORD_RESET,
        STAFF_LEAD_SET,
        TEMPLATE_ADDED,
        TEMPLATE_EDITED,
        TEMPLATE_RETIRED,
        HOLIDAYS_SET,
        HOLIDAY_REMOVED,
    }
)
DETAIL_MAX = 200


async def record(
    staff_id: int, action: str, at: datetime, detail: str = "", *, ticket_id: int | None = None
) -> AuditEntry:
    """One row of the trail; ``action`` must be declared above."""
    if action not in ACTIONS:
        raise ValueError(f"undeclared audit action {action!r}")
    assert len(action) <= 32
    return await AuditEntry.create(
        at=at, staff_id=staff_id, action=action, ticket_id=ticket_id, detail=detail[:DETAIL_MAX]
    )
