"""Sync one plan link: read both sides, reconcile (pure), apply the writes, advance baselines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.logging import get_logger
from config.metrics import WRITES
from connectors.errors import StaleVersion
from connectors.ports import RemotePlan
from reconciliation.decisions import (
    Action,
    LinkInput,
    Reconciliation,
    SideState,
    Write,
    WriteKind,
)
from reconciliation.field_diff import creation_changes
from reconciliation.link_entry import PlanRef
from reconciliation.plan import Plan
from reconciliation.reconcile import reconcile
from reconciliation.records import Link
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage import repository as repo
from worker.service import known_plans
from worker.service.link_baselines import LinkProblem, advance_baselines, confirmed_plan
from worker.service.link_job import LinkJob
from worker.service.run_report import PlannedWrite
from worker.service.write_records import WriteRecord

MAX_STALE_ROUNDS = 3
log = get_logger(__name__)


@dataclass(kw_only=True)
class _InFlight:
    """The link as last stored, and what each side holds now, as the sync of it goes on."""

    link: Link
    remotes: dict[Side, RemotePlan | None]
    # The version each plan of the run is stored at (`known_plans.stored_versions`); None: not known.
    stored: dict[PlanRef, str] | None = None


def sync_link(job: LinkJob, link: Link, *, stored: dict[PlanRef, str] | None = None,
              settlements: Mapping[str, Side] | None = None) -> Reconciliation:
    """Reconcile `link`; a plan edited between read and write is read again, a bounded number of times.

    Each recovery point is a commit of its own: the create intent before the create call, a confirmed
    create or an update another write of the link follows with its change-log rows, the link's
    baselines once every write is confirmed, with the change-log rows of the link's last update.
    `stored`: the version each plan is stored at, so a plan taken from its snapshot is not stored again.
    `settlements`: the link's settled conflicts, when the caller read them for the whole run.
    """
    current = _InFlight(link=link, remotes=_current_remotes(job, link), stored=stored)
    _recover_create(job, current)
    for _round in range(MAX_STALE_ROUNDS):
        outcome = reconcile(_link_input(job, current, settlements))
        try:
            _apply(job, current, outcome)
            return outcome
        except StaleVersion as stale:
            side = Side(stale.system)
            log.info("sync.plan.stale", link_id=link.id, side=side.value)
            fresh = stale.current if isinstance(stale.current, RemotePlan) else None
            plan_id = current.link.plan_ids[side]
            current.remotes[side] = fresh or (job.systems[side].get_plan(plan_id) if plan_id else None)
    raise LinkProblem(f"plan kept changing between read and write ({MAX_STALE_ROUNDS} tries); next run")


def _current_remotes(job: LinkJob, link: Link) -> dict[Side, RemotePlan | None]:
    remotes: dict[Side, RemotePlan | None] = {}
    for side in Side:
        plan_id = link.plan_ids[side]
        remote = job.read[side].get(plan_id) if plan_id else None
        if plan_id and remote is None:
            # Absent from the group's listing: ask for it by id before calling it gone.
            remote = job.systems[side].get_plan(plan_id)
        if remote is not None and remote.plan is None:
            raise LinkProblem(f"{side.value} plan {remote.id} cannot be read: {remote.problem}")
        remotes[side] = remote
    return remotes


def _recover_create(job: LinkJob, current: _InFlight) -> None:
    """A create that may have happened before a crash is looked up by link id, never made twice."""
    link = current.link
    intent = link.create_intent
    if intent is None or link.plan_ids[intent.side] is not None:
        return
    side = intent.side
    found = job.systems[side].find_by_link_id(job.group.id_in(side), link.id)
    if found is None:
        return
    log.info("sync.create.recovered", link_id=link.id, side=side.value, plan_id=found.id)
    if job.run is not None:
        current.link = repo.record_created(job.session, link, side, found.id)
        if found.plan is not None:
            # The crash came before the create's change log was written: what landed is logged now.
            created = Write(side=side, kind=WriteKind.CREATE, plan=found.plan,
                            changes=creation_changes(found.plan))
            repo.log_write(job.session, job.run.id, link.id, created)
        job.commit()
    current.remotes[side] = found
    job.read[side][found.id] = found


def _link_input(job: LinkJob, current: _InFlight, settlements: Mapping[str, Side] | None) -> LinkInput:
    link = current.link
    states = {}
    for side in Side:
        remote = current.remotes[side]
        known = link.plan_ids[side] is not None or remote is not None
        states[side] = SideState(
            known=known,
            baseline=link.baselines[side] if known else None,
            current=remote.plan if remote else None,
        )
    # A dry run reads the settlements too: it must predict the writes a settled conflict makes.
    if settlements is None:
        settlements = repo.settlements_for_link(job.session, link.id)
    return LinkInput(
        choice=link.choice,
        source_of_truth=Side(link.source_of_truth),
        sides=states,
        policy=job.policy,
        settlements=settlements,
    )


def _apply(job: LinkJob, current: _InFlight, outcome: Reconciliation) -> None:
    counts, link_id = job.report.counts, current.link.id
    if outcome.action is Action.ORPHANED:
        counts.orphaned += 1
        log.warning("sync.link.orphaned", link_id=link_id, reason=outcome.reason)
        _settle_state(job, current, LinkState.ORPHANED, outcome.reason)
        return
    for conflict in outcome.conflicts:
        counts.conflicts += 1
        log.warning(
            "sync.conflict",
            link_id=link_id,
            field=conflict.path,
            winner=conflict.winner.value if conflict.winner else None,
        )
        if job.run is not None:
            # Flushed here, committed with the link's next commit.
            repo.record_conflict(job.session, job.run.id, link_id, conflict)
    if outcome.action is Action.HELD:
        _settle_state(job, current, LinkState.HELD, outcome.reason)
        return
    confirmed: dict[Side, Plan] = {}
    notes: list[str] = []
    for write in outcome.writes:
        remote = current.remotes[write.side]
        plan_id = remote.id if remote else None
        job.report.writes.append(PlannedWrite.from_write(write, link_id=link_id, plan_id=plan_id))
        if job.dry_run:
            # A preview counts what it would write, so its headline matches the writes it lists.
            if write.kind is WriteKind.CREATE:
                job.report.counts.created += 1
            else:
                job.report.counts.updated += 1
            continue
        written = _write(job, current, write, remote, last=write is outcome.writes[-1])
        current.remotes[write.side] = written
        confirmed[write.side] = confirmed_plan(current.link, write, written, notes=notes)
    if not job.dry_run:
        # Every write is confirmed: the baselines advance, with the settled conflicts, in one commit.
        current.link = advance_baselines(job.session, current.link, outcome, confirmed, notes=notes,
                                         report=job.report)
        _remember(job, current)
        job.finish_link()


def _settle_state(job: LinkJob, current: _InFlight, state: LinkState, reason: str | None) -> None:
    if not job.dry_run:
        current.link = repo.set_link_state(job.session, current.link, state, error=reason)
        _remember(job, current)
        job.finish_link()


def _remember(job: LinkJob, current: _InFlight) -> None:
    """What each side holds, as the link's commit leaves it: the next run reads only what changed since."""
    known_plans.remember(job.session, current.remotes.values(), owners=job.group.ids(),
                         observed=job.observed, stored=current.stored)


def _write(job: LinkJob, current: _InFlight, write: Write, remote: RemotePlan | None, *,
           last: bool) -> RemotePlan:
    """One write and its records; `last`: the link's last write, whose update is committed with the link."""
    assert job.run is not None  # a dry run writes nothing
    system, session, link_id = job.systems[write.side], job.session, current.link.id
    if write.kind is WriteKind.CREATE:
        current.link = repo.mark_create_intent(session, current.link, write.side)
        job.commit()  # the intent is durable before the call: recovery looks the plan up first
        with job.fenced_calls():
            written = system.create_plan(job.group.id_in(write.side), write.plan, link_id=link_id)
        current.link = repo.record_created(session, current.link, write.side, written.id)
        job.report.counts.created += 1
        log.info("sync.plan.created", link_id=link_id, side=write.side.value, plan_id=written.id)
    else:
        assert remote is not None  # reconcile only updates a side it has read
        with job.fenced_calls():
            written = system.update_plan(remote, write.plan, link_id=link_id)
        job.report.counts.updated += 1
        log.info(
            "sync.plan.updated",
            link_id=link_id,
            side=write.side.value,
            plan_id=written.id,
            fields=[change.path for change in write.changes],
        )
    WRITES.labels(system=write.side.value, kind=write.kind.value).inc()
    # The change log of a confirmed write, and the version the system answered (the feed's report of it
    # is our own write, not news), with what the other side holds, as read, in the same statements.
    others = tuple(remote for side, remote in current.remotes.items() if side is not write.side)
    record = WriteRecord(run_id=job.run.id, link_id=link_id, write=write, written=written, others=others,
                         owners=job.group.ids(), observed=job.observed)
    record.add(session, stored=current.stored)
    job.uncommitted.hold(record)
    job.read[write.side][written.id] = written
    # A create, or a write another of the link's follows, is a recovery point of its own: kept even if a
    # later write of the link fails. The link's last update waits for the link's own commit.
    if write.kind is WriteKind.CREATE or not last:
        job.commit()
    return written
