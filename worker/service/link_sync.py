"""Sync one plan link: read both sides, reconcile (pure), apply the writes, advance baselines."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from config.logging import get_logger
from connectors.errors import StaleVersion
from connectors.ports import PlanSystem, RemotePlan
from reconciliation.decisions import Action, ConflictPolicy, LinkInput, Outcome, SideState, Write, WriteKind
from reconciliation.field_diff import creation_changes
from reconciliation.plan import Plan
from reconciliation.reconcile import reconcile
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import PlanLink, SyncRun
from worker.service.link_baselines import LinkProblem, advance_baselines, confirmed_plan
from worker.service.run_report import PlannedWrite, RunReport

MAX_STALE_ROUNDS = 3
log = get_logger(__name__)


@dataclass(kw_only=True)
class LinkJob:
    """What one link's sync needs: the systems, what the run read, and where to report."""

    session: Session
    systems: Mapping[Side, PlanSystem]
    containers: Mapping[Side, str]
    read: Mapping[Side, MutableMapping[str, RemotePlan]]
    run: SyncRun | None
    report: RunReport
    policy: ConflictPolicy

    @property
    def dry_run(self) -> bool:
        return self.run is None


def sync_link(job: LinkJob, link: PlanLink) -> Outcome:
    """Reconcile `link`; a plan edited between read and write is read again, a bounded number of times."""
    remotes = _recover_create(job, link, _current_remotes(job, link))
    for _round in range(MAX_STALE_ROUNDS):
        outcome = reconcile(_link_input(job, link, remotes))
        try:
            _apply(job, link, outcome, remotes)
            return outcome
        except StaleVersion as stale:
            side = Side(stale.system)
            log.info("sync.plan.stale", link_id=link.id, side=side.value)
            fresh = stale.current if isinstance(stale.current, RemotePlan) else None
            plan_id = link.plan_id(side)
            remotes[side] = fresh or (job.systems[side].get_plan(plan_id) if plan_id else None)
    raise LinkProblem(f"plan kept changing between read and write ({MAX_STALE_ROUNDS} tries); next run")


def _current_remotes(job: LinkJob, link: PlanLink) -> dict[Side, RemotePlan | None]:
    remotes: dict[Side, RemotePlan | None] = {}
    for side in Side:
        plan_id = link.plan_id(side)
        remote = job.read[side].get(plan_id) if plan_id else None
        if plan_id and remote is None:
            # Absent from the group's listing: ask for it by id before calling it gone.
            remote = job.systems[side].get_plan(plan_id)
        if remote is not None and remote.plan is None:
            raise LinkProblem(f"{side.value} plan {remote.id} cannot be read: {remote.problem}")
        remotes[side] = remote
    return remotes


def _recover_create(
    job: LinkJob, link: PlanLink, remotes: dict[Side, RemotePlan | None]
) -> dict[Side, RemotePlan | None]:
    """A create that may have happened before a crash is looked up by link id, never made twice."""
    intent = repo.create_intent(link)
    if intent is None:
        return remotes
    side, _started_at = intent
    if link.plan_id(side) is not None:
        return remotes
    found = job.systems[side].find_by_link_id(job.containers[side], link.id)
    if found is not None:
        log.info("sync.create.recovered", link_id=link.id, side=side.value, plan_id=found.id)
        if not job.dry_run:
            repo.record_created(job.session, link, side, found.id)
            if found.plan is not None:
                # The crash came before the create's change log was written: what landed is logged now.
                created = Write(
                    side=side, kind=WriteKind.CREATE, plan=found.plan, changes=creation_changes(found.plan)
                )
                repo.log_write(job.session, job.run, link, created)
                job.session.commit()
        remotes[side] = found
        job.read[side][found.id] = found
    return remotes


def _link_input(job: LinkJob, link: PlanLink, remotes: Mapping[Side, RemotePlan | None]) -> LinkInput:
    states = {}
    for side in Side:
        remote = remotes[side]
        known = link.plan_id(side) is not None or remote is not None
        states[side] = SideState(
            known=known,
            baseline=link.baseline(side) if known else None,
            current=remote.plan if remote else None,
        )
    # A dry run reads the settlements too: it must predict the writes a settled conflict makes.
    settlements = repo.settlements_for_link(job.session, link)
    return LinkInput(
        choice=link.choice,
        source_of_truth=Side(link.source_of_truth),
        perfectquote=states[Side.PERFECTQUOTE],
        benefitpoint=states[Side.BENEFITPOINT],
        policy=job.policy,
        settlements=settlements,
    )


def _apply(job: LinkJob, link: PlanLink, outcome: Outcome, remotes: dict[Side, RemotePlan | None]) -> None:
    counts = job.report.counts
    if outcome.action is Action.ORPHANED:
        counts.orphaned += 1
        log.warning("sync.link.orphaned", link_id=link.id, reason=outcome.reason)
        if not job.dry_run:
            repo.set_link_state(job.session, link, repo.LinkState.ORPHANED, error=outcome.reason)
        return
    for conflict in outcome.conflicts:
        counts.conflicts += 1
        log.warning(
            "sync.conflict",
            link_id=link.id,
            field=conflict.path,
            winner=conflict.winner.value if conflict.winner else None,
        )
        if not job.dry_run:
            repo.record_conflict(job.session, job.run, link, conflict)
    if outcome.action is Action.HELD:
        if not job.dry_run:
            repo.set_link_state(job.session, link, repo.LinkState.HELD, error=outcome.reason)
        return
    confirmed: dict[Side, Plan] = {}
    notes: list[str] = []
    for write in outcome.writes:
        remote = remotes[write.side]
        plan_id = remote.id if remote else None
        job.report.writes.append(PlannedWrite.from_write(write, link_id=link.id, plan_id=plan_id))
        if job.dry_run:
            continue
        written = _write(job, link, write, remote)
        remotes[write.side] = written
        confirmed[write.side] = confirmed_plan(link, write, written, notes=notes)
    if not job.dry_run:
        advance_baselines(job.session, link, outcome, confirmed, notes=notes)


def _write(job: LinkJob, link: PlanLink, write: Write, remote: RemotePlan | None) -> RemotePlan:
    system = job.systems[write.side]
    if write.kind is WriteKind.CREATE:
        repo.mark_create_intent(job.session, link, write.side)
        written = system.create_plan(job.containers[write.side], write.plan, link_id=link.id)
        repo.record_created(job.session, link, write.side, written.id)
        job.report.counts.created += 1
        log.info("sync.plan.created", link_id=link.id, side=write.side.value, plan_id=written.id)
    else:
        assert remote is not None  # reconcile only updates a side it has read
        written = system.update_plan(remote, write.plan, link_id=link.id)
        job.report.counts.updated += 1
        log.info(
            "sync.plan.updated",
            link_id=link.id,
            side=write.side.value,
            plan_id=written.id,
            fields=[change.path for change in write.changes],
        )
    # The change log of a confirmed write is kept even if a later write of this link fails.
    repo.log_write(job.session, job.run, link, write)
    job.session.commit()
    job.read[write.side][written.id] = written
    return written
