"""What the sync needs of a plan system: the port both plan connectors implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciliation.plan import Plan
from reconciliation.side import Side

__all__ = ["ChangeFeedPage", "PlanSystem", "RemotePlan", "Side"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RemotePlan:
    """A plan as read from one system: its id and version, and its canonical content.

    `plan` is None when the record could not be made canonical; `problem` then says why
    (an unknown carrier, a non-numeric rate), so one bad plan is recorded and skipped.
    `native` is the record as read: updates that replace a whole record start from it.
    """

    side: Side
    id: str
    version: str
    plan: Plan | None
    problem: str | None = None
    link_id: str | None = None
    native: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeFeedPage:
    """Plan ids (per group where known) changed since a watermark, and the next watermark."""

    changed: Sequence[tuple[str | None, str]]
    deleted: Sequence[tuple[str | None, str]]
    watermark: str


class PlanSystem(Protocol):
    """The operations the group sync uses; PerfectQuote and BenefitPoint both provide them.

    `container_id` is the PerfectQuote group id or the BenefitPoint account id.
    """

    side: Side

    def list_plans(self, container_id: str) -> list[RemotePlan]: ...

    def get_plan(self, plan_id: str) -> RemotePlan | None: ...

    def create_plan(self, container_id: str, plan: Plan, *, link_id: str) -> RemotePlan: ...

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan: ...

    def find_by_link_id(self, container_id: str, link_id: str) -> RemotePlan | None: ...

    def changes_since(self, watermark: str | None) -> ChangeFeedPage: ...
