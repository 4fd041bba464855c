"""Driving the product as a user would: connect groups, choose links, edit plans, read what was stored."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.ports import PlanSystem, RemotePlan
from connectors.sandbox.benefitpoint.codec import SERVER_TZ
from connectors.sandbox.benefitpoint.store import Clock, Store
from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import ChangeRow, GroupRow, RunRow
from worker.runtime.context import SyncContext
from worker.runtime.group_run import WorkerTiming
from worker.runtime.jobs import plan_systems
from worker.service.accounts import connect
from worker.service.plan_choices import choose

# A killed worker's lease expires within two seconds; the time limit is long enough for a slowed run.
E2E_TIMING = WorkerTiming(sync_time_limit_ms=8_000, lease_ttl_ms=2_000, recheck_margin_ms=200,
                          cycle_time_limit_ms=20_000, max_retries=2)


class SandboxTime:
    """BenefitPoint's server clock moved forward by hand, as if the hour between two cycles passed."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    @classmethod
    def install(cls, store: Store) -> SandboxTime:
        time = cls()
        with store.lock:
            store.clock = Clock(now=time.now)
        return time

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(SERVER_TZ) + self._offset

    def pass_hour(self) -> None:
        with self._lock:
            self._offset += timedelta(hours=1)


def plans_by_kind(system: PlanSystem, container_id: str) -> dict[str, RemotePlan]:
    """The demo world's plans of one group by kind: ppo, hdhp, dental, life (PerfectQuote), vision."""
    found: dict[str, RemotePlan] = {}
    for remote in system.list_plans(container_id):
        assert remote.plan is not None, remote.problem
        coverage = remote.plan.coverage.value
        pq_medical = coverage == "medical" and system.side is Side.PERFECTQUOTE
        kind = remote.plan.plan_type if pq_medical else coverage
        found["ppo" if kind == "medical" else str(kind)] = remote
    return found


@dataclass(frozen=True, kw_only=True)
class LinkedGroup:
    group_id: str
    account_id: str
    link_ids: dict[str, str]


def connect_and_link(context: SyncContext, number: int, *, copies: tuple[str, ...] = ()) -> LinkedGroup:
    """Connect grp_<number> to its account; merge the PPO (PerfectQuote wins) and the dental plan
    (BenefitPoint wins), and copy each plan kind named in `copies` to the side that lacks it."""
    group_id, account_id = f"grp_{number:03d}", str(48200 + number)
    pq = plans_by_kind(context.perfectquote, group_id)
    bp = plans_by_kind(context.benefitpoint, account_id)
    entries = {
        "ppo": LinkEntry.merge(pq["ppo"].id, bp["ppo"].id, source_of_truth=Side.PERFECTQUOTE),
        "dental": LinkEntry.merge(pq["dental"].id, bp["dental"].id, source_of_truth=Side.BENEFITPOINT),
    }
    for kind in copies:
        side, plan = (Side.PERFECTQUOTE, pq[kind]) if kind in pq else (Side.BENEFITPOINT, bp[kind])
        entries[kind] = LinkEntry.copy(side, plan.id)
    connect(sessions=context.sessions, perfectquote=context.perfectquote, benefitpoint=context.benefitpoint,
            group_id=group_id, account_id=account_id)
    links = choose(sessions=context.sessions, systems=plan_systems(context), group_id=group_id,
                   entries=entries.values())
    by_plan = {(link.entry.perfectquote_plan_id, link.entry.benefitpoint_plan_id): link.id for link in links}
    link_ids = {kind: by_plan[(entry.perfectquote_plan_id, entry.benefitpoint_plan_id)]
                for kind, entry in entries.items()}
    return LinkedGroup(group_id=group_id, account_id=account_id, link_ids=link_ids)


def edit_benefit(system: PlanSystem, plan_id: str, *, link_id: str, path: str, value: Decimal) -> RemotePlan:
    """A user's edit through the system's own API: one benefit changed, everything else as it was."""
    current = system.get_plan(plan_id)
    assert current is not None and current.plan is not None
    edited = current.plan.with_changes(benefits={**current.plan.benefits, path: value})
    return system.update_plan(current, edited, link_id=link_id)


def runs(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    """(group, trigger, outcome) of every run, oldest first."""
    with sessions() as session:
        groups = {row.id: row.perfectquote_group_id for row in session.scalars(select(GroupRow))}
        return [(groups.get(run.group_connection_id or 0, "-"), run.trigger, run.outcome)
                for run in session.scalars(select(RunRow).order_by(RunRow.id))]


def finished_runs(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len([run for run in session.scalars(select(RunRow)) if run.finished_at is not None])


def change_log(sessions: sessionmaker[Session]) -> list[ChangeRow]:
    with sessions() as session:
        return list(session.scalars(select(ChangeRow).order_by(ChangeRow.id)))


def repeated_writes(sessions: sessionmaker[Session]) -> dict[tuple[Any, ...], int]:
    """Change-log rows that say the same field of the same link was written to the same value again."""
    rows = change_log(sessions)
    counted = Counter((row.link_id, row.direction, row.field_path, repr(row.after)) for row in rows)
    return {key: count for key, count in counted.items() if count > 1}


def links(sessions: sessionmaker[Session]) -> list[repo.Link]:
    """Every group's links, as stored."""
    with sessions() as session:
        return [link for group in repo.list_groups(session)
                for link in repo.links_for_group(session, group.group_id)]
