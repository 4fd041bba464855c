"""The product and both systems, driven the way a user and the worker drive them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from connectors.ports import RemotePlan
from connectors.sandbox.benefitpoint.store import Store as BenefitPointStore
from connectors.sandbox.perfectquote.store import PerfectQuoteStore
from reconciliation.decisions import ConflictPolicy
from reconciliation.link_entry import LinkEntry
from reconciliation.records import Conflict, Link
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import ChangeRow, ConflictRow, LinkRow, RunRow
from tests.worker.service.screens import Screens
from worker.runtime.context import SyncContext
from worker.runtime.jobs import plan_systems
from worker.service import accounts, plan_choices
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

GROUP = "grp_001"
ACCOUNT = "48201"
PERFECTQUOTE_WRITES = ("POST /groups/{group_id}/plans", "PUT /plans/{plan_id}",
                       "PATCH /plans/{plan_id}/external_refs")
BENEFITPOINT_WRITES = ("createProduct", "updateProduct", "createBenefitSummary", "updateBenefitSummary",
                       "createRate", "updateRate")


@dataclass(kw_only=True)
class World(Screens):
    """Both systems (as a person edits them, and their state), and plansync on one database."""

    context: SyncContext

    def close(self) -> None:
        super().close()
        self.context.close()

    # The two systems' state, read in process.
    @property
    def pq(self) -> PerfectQuoteStore:
        return self.sandboxes.perfectquote_app.state.store

    @property
    def bp(self) -> BenefitPointStore:
        return self.sandboxes.benefitpoint_app.state.store

    def write_calls(self) -> Counter[str]:
        """Every write call either system has answered so far, by operation."""
        counts: Counter[str] = Counter()
        counts.update({name: self.pq.calls[name] for name in PERFECTQUOTE_WRITES if self.pq.calls[name]})
        counts.update({name: self.bp.calls[name] for name in BENEFITPOINT_WRITES if self.bp.calls[name]})
        return counts

    def plans(self, side: Side, group_id: str | None = None) -> dict[str, RemotePlan]:
        """A side's plans of the group (named as that side knows it), as the connector reads them."""
        if side is Side.PERFECTQUOTE:
            return {p.id: p for p in self.context.perfectquote.list_plans(group_id or GROUP)}
        return {p.id: p for p in self.context.benefitpoint.list_plans(group_id or ACCOUNT)}

    def plan(self, side: Side, plan_id: str) -> RemotePlan:
        found = plan_systems(self.context)[side].get_plan(plan_id)
        assert found is not None and found.plan is not None, f"{side} plan {plan_id} is gone or unreadable"
        return found

    def product_count(self) -> int:
        return len(self.bp.products)

    def plan_count(self) -> int:
        return len(self.pq.plans)

    # What a plansync user does.
    def connect(self, group_id: str = GROUP, account_id: str = ACCOUNT) -> None:
        accounts.connect(sessions=self.context.sessions, perfectquote=self.context.perfectquote,
                         benefitpoint=self.context.benefitpoint, group_id=group_id, account_id=account_id)

    def choose(self, *entries: LinkEntry, group_id: str = GROUP,
               allow_cross_coverage: bool = False) -> list[str]:
        chosen = plan_choices.choose(sessions=self.context.sessions, systems=plan_systems(self.context),
                                     group_id=group_id, entries=entries,
                                     allow_cross_coverage=allow_cross_coverage)
        return [link.id for link in chosen]

    def set_policy(self, policy: ConflictPolicy, group_id: str = GROUP) -> None:
        accounts.set_conflict_policy(sessions=self.context.sessions, group_id=group_id, policy=policy)

    def sync(self, group_id: str = GROUP, *, dry_run: bool = False) -> RunReport:
        return sync_group(sessions=self.context.sessions, systems=plan_systems(self.context),
                          group_id=group_id, trigger="dry_run" if dry_run else "manual", dry_run=dry_run)

    # What plansync recorded.
    def link(self, link_id: str) -> Link:
        with self.context.sessions() as session:
            return repo.get_link(session, link_id)

    def conflicts(self) -> list[Conflict]:
        """Every conflict stored, whatever its status, in the order recorded."""
        with self.context.sessions() as session:
            ids = session.scalars(select(ConflictRow.id).order_by(ConflictRow.id))
            return [repo.get_conflict(session, conflict_id) for conflict_id in ids]

    def snapshot(self) -> dict[str, Any]:
        """Row counts of the tables a sync writes, and every link as stored: equal means nothing changed."""
        with self.context.sessions() as session:
            counts = {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                      for table in (RunRow, ChangeRow, ConflictRow, LinkRow)}
            links = sorted(
                (link.id, link.state, link.perfectquote_plan_id, link.benefitpoint_plan_id,
                 link.baseline_perfectquote, link.baseline_benefitpoint, link.last_error, link.create_intent,
                 link.version)
                for link in session.scalars(select(LinkRow)))
            return {"counts": counts, "links": links}

    def seeded(self) -> dict[str, str]:
        """The demo group's plans by role (pq_ppo, bp_vision, ...): found by kind, as a test's setup."""
        roles = {}
        for side in Side:
            for plan_id, remote in self.plans(side).items():
                assert remote.plan is not None
                kind = remote.plan.plan_type if remote.plan.coverage == "medical" else remote.plan.coverage
                roles[f"{side.short}_{kind}"] = plan_id
        return roles

    def choose_standard(self) -> dict[str, str]:
        """Connect the demo group and choose for every plan: two merges, a copy each way, a skip."""
        self.connect()
        ids = self.seeded()
        entries = {
            "ppo": LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=Side.PERFECTQUOTE),
            "dental": LinkEntry.merge(ids["pq_dental"], ids["bp_dental"], source_of_truth=Side.BENEFITPOINT),
            "hdhp": LinkEntry.copy(Side.PERFECTQUOTE, ids["pq_hdhp"]),
            "vision": LinkEntry.copy(Side.BENEFITPOINT, ids["bp_vision"]),
            "life": LinkEntry.skip(Side.PERFECTQUOTE, ids["pq_life"]),
        }
        return dict(zip(entries, self.choose(*entries.values()), strict=True))
