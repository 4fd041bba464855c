"""What each exchange request does to the sandbox state; raises Rejected for a 422."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.exchange.store import ExchangeStore, Period, Rejected, iso

CHANGE_KINDS = {"add", "change", "terminate"}


def _required(body: dict[str, Any], *names: str) -> None:
    missing = {name: ["can't be blank"] for name in names if not str(body.get(name) or "").strip()}
    if missing:
        raise Rejected(missing)


def ensure_group(store: ExchangeStore, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    _required(body, "external_identifier", "name")
    for group in store.groups.values():
        if group["external_identifier"] == body["external_identifier"]:
            return group, False
    group = {"id": store.new_id("g"), "external_identifier": body["external_identifier"],
             "name": body["name"], "ein": body.get("ein")}
    store.groups[group["id"]] = group
    return group, True


def create_period(store: ExchangeStore, group_id: str, body: dict[str, Any]) -> tuple[Period, bool]:
    """Idempotent on external_identifier within the group, so a retried create is harmless."""
    _required(body, "external_identifier", "carrier_name", "carrier_group_number")
    for period in store.periods.values():
        if period.group_id == group_id and period.external_identifier == body["external_identifier"]:
            return period, False
    period = Period(id=store.new_id("cp"), group_id=group_id,
                    external_identifier=str(body["external_identifier"]),
                    carrier_name=str(body["carrier_name"]),
                    carrier_group_number=str(body["carrier_group_number"]),
                    coverage_start_date=body.get("coverage_start_date"), pending_since=store.clock.now())
    store.periods[period.id] = period
    return period, True


def patch_period(store: ExchangeStore, period: Period, body: dict[str, Any]) -> Period:
    number = str(body.get("carrier_group_number") or "").strip()
    if body.get("enabled") is False:
        period.status, period.disabled_reason = "disabled", "manual"
    elif body.get("enabled") is True:
        if not number:
            raise Rejected({"carrier_group_number": ["is required to enable"]})
        period.status, period.disabled_reason = "pending", None
        period.pending_since, period.activated_at = store.clock.now(), None
    if number:
        period.carrier_group_number = number
    return period


def transmit(store: ExchangeStore, period: Period, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    _required(body, "external_identifier")
    for transmission in store.transmissions.values():
        if transmission["period_id"] == period.id \
                and transmission["external_identifier"] == body["external_identifier"]:
            return transmission, False
    if period.status != "active":
        raise Rejected({"status": ["not active"]})
    changes = body.get("changes")
    if not isinstance(changes, list) or not changes:
        raise Rejected({"changes": ["must be a non-empty list"]})
    for index, change in enumerate(changes):
        if not isinstance(change, dict) or change.get("kind") not in CHANGE_KINDS \
                or not change.get("member_external_id"):
            raise Rejected({f"changes[{index}]": ["needs kind (add, change, terminate) and "
                                                  "member_external_id"]})
    now = store.clock.now()
    transmission = {"id": store.new_id("t"), "period_id": period.id,
                    "external_identifier": body["external_identifier"], "changes": changes,
                    "status": "queued", "created_at": now}
    store.transmissions[transmission["id"]] = transmission
    period.last_transmission_at = now
    return transmission, True


def resolve(store: ExchangeStore, error: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    _required(body, "message")
    if error["status"] == "resolved":
        raise Rejected({"status": ["already resolved"]})
    changes = body.get("changes") or {}
    if not isinstance(changes, dict):
        raise Rejected({"changes": ["must be an object"]})
    now = store.clock.now()
    error["status"] = "resolved"
    error["resolution"] = {"message": str(body["message"]), "resolved_at": now}
    store.corrections.append({"error_id": error["id"], "period_id": error["period_id"],
                              "changes": changes, "at": now})
    return error


def error_json(error: dict[str, Any]) -> dict[str, Any]:
    resolution = error["resolution"]
    return {key: error[key] for key in ("id", "member_external_id", "severity", "code", "message",
                                        "status")} | {
        "created_at": iso(error["created_at"]),
        "resolution": None if resolution is None else {"message": resolution["message"],
                                                       "resolved_at": iso(resolution["resolved_at"])}}


def transmission_json(transmission: dict[str, Any]) -> dict[str, Any]:
    return {"id": transmission["id"], "external_identifier": transmission["external_identifier"],
            "status": transmission["status"], "created_at": iso(transmission["created_at"])}
