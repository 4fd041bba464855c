"""The Configure and Manage tables as plain rows, in users' words, with personal data masked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from carriers.diagnose import Finding
from carriers.status import Integration, Status
from config.redaction import mask_value
from worker.service.carriers import IntegrationView, MessageView


def _day(moment: date | datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def _minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def status_label(integration: Integration) -> str:
    if integration.status is Status.ACTIVE:
        return f"Active since {_day(integration.status_since)}"
    if integration.status is Status.DISABLED:
        reason = integration.disabled_reason.value.replace("_", " ") if integration.disabled_reason else ""
        return f"Disabled ({reason})" if reason else "Disabled"
    return "Pending"


def integration_rows(views: Sequence[IntegrationView]) -> list[dict[str, Any]]:
    """The Configure tab: carrier, plan, type, group number, status, renewal, Last Sync, next sync."""
    return mask_value([{
        "id": view.integration.id, "carrier": view.integration.carrier_name,
        "plan": view.integration.plan_name or "", "type": view.integration.plan_type or "",
        "group_number": view.integration.group_number, "status": status_label(view.integration),
        "renewal_date": _day(view.integration.renewal_date),
        "last_sync": _minute(view.integration.last_synced_at),
        "next_sync": _minute(view.next_sync_at) if view.next_sync_at else "",
    } for view in views])


def message_rows(views: Sequence[MessageView]) -> list[dict[str, Any]]:
    """The Manage tab: carrier messages, members by external id only."""
    return mask_value([{
        "id": view.message.id, "integration_id": view.message.integration_id, "carrier": view.carrier_name,
        "severity": view.message.severity.value, "code": view.message.code,
        "member": view.message.member_external_id or "", "message": view.message.text,
        "status": "open" if view.message.open else "resolved",
        "received": _minute(view.message.created_at),
        "resolved": _minute(view.message.resolved_at) if view.message.resolved_at else "",
        "flags": [flag.value for flag in view.flags],
    } for view in views])


def finding_rows(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return mask_value([finding.to_json() for finding in findings])


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """A plain-text table with a header; lists are joined with '; '."""
    def cell(value: Any) -> str:
        return "; ".join(map(str, value)) if isinstance(value, list) else str(value)

    grid = [[title for _, title in columns]] + [[cell(row[key]) for key, _ in columns] for row in rows]
    widths = [max(len(line[index]) for line in grid) for index in range(len(columns))]
    return "\n".join("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip()
                     for line in grid)
