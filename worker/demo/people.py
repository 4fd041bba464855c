"""The people and operators outside plansync: users editing plans in each system, and sandbox admin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from config.settings import Settings
from connectors.benefitpoint import BenefitPointConnector
from connectors.perfectquote import PerfectQuoteConnector
from connectors.ports import PlanSystem, RemotePlan
from connectors.sandbox.faults import ADMIN_PATH as FAULTS_PATH
from connectors.sandbox.launcher import Sandboxes
from reconciliation.plan import Plan

ADMIN_TIMEOUT_S = 5.0


def edit_plan(system: PlanSystem, plan_id: str, **changes: Any) -> RemotePlan:
    """A user's edit through the system's own API: read, change, write back at the version read."""
    current = system.get_plan(plan_id)
    if current is None or current.plan is None:
        raise LookupError(f"plan {plan_id} is not readable for an edit")
    return system.update_plan(current, current.plan.with_changes(**changes), link_id=current.link_id or "")


def edit_benefit(system: PlanSystem, plan_id: str, *, path: str, value: Any) -> RemotePlan:
    current = read_plan(system, plan_id)
    return edit_plan(system, plan_id, benefits={**current.benefits, path: value})


def read_plan(system: PlanSystem, plan_id: str) -> Plan:
    remote = system.get_plan(plan_id)
    if remote is None or remote.plan is None:
        raise LookupError(f"plan {plan_id} is not readable")
    return remote.plan


class SandboxAdmin:
    """The sandboxes' admin endpoints: fault injection and the exchange's clock."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self.sandboxes = sandboxes
        self._client = httpx.Client(timeout=ADMIN_TIMEOUT_S)

    def faults(self, system: str, **settings: Any) -> Mapping[str, Any]:
        """Set (or with no settings, read) a sandbox's faults; the answer includes `injected` counts."""
        base = {"perfectquote": self.sandboxes.perfectquote_url.removesuffix("/api/v1"),
                "benefitpoint": self.sandboxes.benefitpoint_url,
                "exchange": self.sandboxes.exchange_url}[system]
        method = "PUT" if settings else "GET"
        response = self._client.request(method, base + FAULTS_PATH, json=settings or None)
        response.raise_for_status()
        return dict(response.json())

    def advance_exchange(self, *, seconds: float) -> str:
        """Move the exchange's clock on (carrier sync windows run as it passes them); returns its now."""
        response = self._client.post(self.sandboxes.exchange_url + "/_sandbox/advance",
                                     json={"seconds": seconds})
        response.raise_for_status()
        return str(response.json()["now"])

    def close(self) -> None:
        self._client.close()


def user_systems(settings: Settings) -> tuple[PerfectQuoteConnector, BenefitPointConnector]:
    """Clients of their own for the people editing plans, apart from the worker's pooled ones."""
    perfectquote = PerfectQuoteConnector(base_url=settings.perfectquote_url,
                                         token=settings.perfectquote_token, timeout_s=settings.http_timeout_s)
    benefitpoint = BenefitPointConnector(base_url=settings.benefitpoint_url,
                                         username=settings.benefitpoint_username,
                                         password=settings.benefitpoint_password,
                                         link_field_id=settings.benefitpoint_link_field_id,
                                         timeout_s=settings.http_timeout_s)
    return perfectquote, benefitpoint
