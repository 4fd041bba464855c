"""The soak's world in the database and in the systems: links made, plans and runs read back."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.soak.checks import Plans, SoakLink
from reconciliation.decisions import ConflictPolicy
from reconciliation.link_entry import LinkEntry
from reconciliation.plan_fields import plan_to_fields
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import GroupRow, PendingPlanRow, RunRow, UnreadableChangeRow
from worker.runtime.context import SyncContext

HOLD_EVERY = 2
SIDE_NAMES = {Side.PERFECTQUOTE: "perfectquote", Side.BENEFITPOINT: "benefitpoint"}


def connect_world(sessions: sessionmaker[Session], groups: list[dict[str, Any]]) -> None:
    """Each group connected: its pairs merged (the source of truth alternating), a plan of each side
    copied to the other, one of each side skipped. Every HOLD_EVERY-th group holds a conflict for a person."""
    for index, group in enumerate(groups):
        policy = ConflictPolicy.HOLD_FOR_REVIEW if index % HOLD_EVERY == HOLD_EVERY - 1 else None
        entries = [LinkEntry.merge(pq, bp, source_of_truth=(Side.PERFECTQUOTE, Side.BENEFITPOINT)[n % 2])
                   for n, (pq, bp) in enumerate(group["merges"])]
        entries += [LinkEntry.copy(Side.PERFECTQUOTE, group["copy_pq"]),
                    LinkEntry.copy(Side.BENEFITPOINT, group["copy_bp"]),
                    LinkEntry.skip(Side.PERFECTQUOTE, group["skip_pq"]),
                    LinkEntry.skip(Side.BENEFITPOINT, group["skip_bp"])]
        with sessions.begin() as session:
            repo.connect_group(session, group_id=group["group_id"], group_name=group["group_id"],
                               account_id=int(group["account_id"]),
                               account_name=f"account {group['account_id']}",
                               conflict_policy=policy or ConflictPolicy.SOURCE_OF_TRUTH_WINS)
            repo.add_links(session, group["group_id"], entries)


def stored_links(sessions: sessionmaker[Session]) -> list[SoakLink]:
    with sessions() as session:
        return [SoakLink(link_id=link.id, group_id=group.group_id, choice=link.choice.value,
                         perfectquote=link.plan_ids[Side.PERFECTQUOTE],
                         benefitpoint=link.plan_ids[Side.BENEFITPOINT], state=link.state.value,
                         error=link.last_error)
                for group in repo.list_groups(session)
                for link in repo.links_for_group(session, group.group_id)]


def read_plans(context: SyncContext, groups: list[dict[str, Any]]) -> Plans:
    """Every plan of the soak's groups, by side and group: id -> version and flat fields (JSON-like)."""
    found: Plans = {name: {} for name in SIDE_NAMES.values()}
    for group in groups:
        for side, system, container in ((Side.PERFECTQUOTE, context.perfectquote, group["group_id"]),
                                        (Side.BENEFITPOINT, context.benefitpoint, group["account_id"])):
            found[SIDE_NAMES[side]][group["group_id"]] = {
                remote.id: {"version": remote.version,
                            "fields": {key: repr(value) for key, value in plan_to_fields(remote.plan).items()}
                            if remote.plan is not None else {"problem": remote.problem}}
                for remote in system.list_plans(container)}
    return found


def runs_by_outcome(sessions: sessionmaker[Session]) -> Counter[str]:
    with sessions() as session:
        rows = session.execute(select(RunRow.outcome, func.count()).group_by(RunRow.outcome))
        return Counter({outcome: count for outcome, count in rows})


def unfinished_runs(sessions: sessionmaker[Session]) -> list[tuple[int, str | None]]:
    """(run id, group) of every run with no end yet; a cycle's run has no group."""
    with sessions() as session:
        groups = {row.id: row.perfectquote_group_id for row in session.scalars(select(GroupRow))}
        rows = session.scalars(select(RunRow).where(RunRow.finished_at.is_(None)))
        return [(row.id, groups.get(row.group_connection_id or 0)) for row in rows]


def run_starts(sessions: sessionmaker[Session]) -> list[tuple[str, datetime]]:
    """(group, started_at) of every group run."""
    with sessions() as session:
        groups = {row.id: row.perfectquote_group_id for row in session.scalars(select(GroupRow))}
        rows = session.scalars(select(RunRow).where(RunRow.group_connection_id.is_not(None)))
        return [(groups[row.group_connection_id], row.started_at) for row in rows
                if row.group_connection_id in groups]


def busy_runs(sessions: sessionmaker[Session], *, since: datetime) -> int:
    """Group runs started since `since` that wrote something or did not succeed."""
    with sessions() as session:
        rows = session.scalars(select(RunRow).where(RunRow.group_connection_id.is_not(None),
                                                    RunRow.started_at >= since))
        return sum(1 for row in rows if row.outcome != "succeeded" or row.created_count or row.updated_count)


def pending_work(sessions: sessionmaker[Session]) -> int:
    """Plans a feed named that wait for a run (a failed link's, with its retry), unreadable feed entities."""
    with sessions() as session:
        return sum(session.scalar(select(func.count()).select_from(table)) or 0
                   for table in (PendingPlanRow, UnreadableChangeRow))


def orphaning_runs(sessions: sessionmaker[Session], *, group_id: str, since: datetime,
                   until: datetime) -> list[tuple[int, str, int]]:
    """(run id, trigger, links orphaned) of the group's runs started between `since` and `until` that
    orphaned a link."""
    with sessions() as session:
        rows = session.scalars(select(RunRow).join(GroupRow, GroupRow.id == RunRow.group_connection_id)
                               .where(GroupRow.perfectquote_group_id == group_id, RunRow.started_at >= since,
                                      RunRow.started_at <= until, RunRow.orphaned_count > 0))
        return [(row.id, row.trigger, row.orphaned_count) for row in rows]


def abandoned_runs(sessions: sessionmaker[Session]) -> set[int]:
    """Runs a later run found unfinished and closed: the ones a killed worker left."""
    with sessions() as session:
        return set(session.scalars(select(RunRow.id).where(RunRow.error.like("abandoned%"))))
