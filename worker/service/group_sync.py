"""One connected group's sync: read both systems, reconcile every link, write, record the run."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict
from datetime import UTC, datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from connectors.errors import ConnectorError
from connectors.ports import PlanSystem, RemotePlan
from reconciliation.decisions import Choice
from reconciliation.link_entry import PlanRef
from reconciliation.plan import PlanValueError
from reconciliation.records import Group, Link, Run
from reconciliation.side import Side
from reconciliation.states import LinkState, RunOutcome
from reconciliation.storage import repository as repo
from reconciliation.storage.groups import hold_group
from worker.service import known_plans, outage_guard, pending_work, run_ending
from worker.service.link_baselines import LinkProblem
from worker.service.link_job import LinkJob
from worker.service.link_sync import sync_link
from worker.service.run_fence import FenceSource, RunFence, Superseded, proposed_token, take_fence
from worker.service.run_report import RunReport
from worker.service.write_records import UncommittedWrites

SYNCED_CHOICES = frozenset({Choice.COPY, Choice.MERGE})
log = get_logger(__name__)


class GroupNotConnected(LookupError):
    """The PerfectQuote group is not connected to a BenefitPoint account."""


class NothingPending(LookupError):
    """A run of the group's pending plans found none: another run took them already. Nothing was recorded."""


def sync_group(
    *,
    sessions: sessionmaker[Session],
    systems: Mapping[Side, PlanSystem],
    group_id: str,
    trigger: str,
    dry_run: bool = False,
    plan_refs: Collection[PlanRef] | None = None,
    fence: FenceSource | None = None,
    on_link: Callable[[int, int], None] | None = None,
    pending: bool = False,
) -> RunReport:
    """Reconcile every copy and merge link of the group; one bad plan never stops the rest.

    With `plan_refs` (the plans a change feed named), only the links to those plans are reconciled,
    and of their plans only what the feeds say changed is read (`known_plans`), so a feed cycle costs
    what changed, not what exists. With `pending` (a nudge), the group's pending plans as the run claims
    them in its first transaction join `plan_refs`; none at all raises NothingPending, and nothing of the
    run is recorded.
    A dry run reads, reconciles and reports the writes it would make, and writes nothing anywhere.
    One session serves the run; the run row, each link's recovery points and the run's end are
    commits of their own (`link_sync`), so a crash leaves every link as before or as after.

    Every run is fenced: its token comes from `fence` (the group's lease) or, with none, from the
    database; a run a newer one superseded writes nothing more and ends `superseded`. Whatever
    ends the run (an exception, Ctrl-C, a time limit), its row never stays `running`.
    """
    with sessions() as session:
        held = hold_group(session, group_id, registering=None if dry_run else proposed_token(fence))
        if held is None:
            raise GroupNotConnected(
                f"PerfectQuote group {group_id!r} is not connected; connect it with 'plansync groups connect'"
            )
        group = held.group
        if pending and dry_run:
            plan_refs = _with_pending(pending_work.pending_in(session, group_id), plan_refs, group_id)
        report = RunReport(
            run_id=None, group_id=group_id, trigger=trigger, dry_run=dry_run, started_at=datetime.now(UTC)
        )
        if dry_run:
            with structlog.contextvars.bound_contextvars(run_id=None, group_id=group_id, trigger=trigger):
                log.info("sync.started", dry_run=True)
                _run(session, group, systems, None, report, plan_refs=plan_refs, fence=None, on_link=on_link)
                report.finished_at = datetime.now(UTC)
                log.info("sync.finished", outcome=report.outcome.value, **asdict(report.counts))
            return report
        run_fence, registered = take_fence(session, group_id, fence, held=held)
        run = repo.start_run(session, trigger=trigger, group_id=group_id, fence_token=run_fence.token,
                             running=held.running)
        report.run_id = str(run.id)
        with structlog.contextvars.bound_contextvars(run_id=report.run_id, group_id=group_id,
                                                     trigger=trigger):
            if not registered:
                # A newer run holds the group already: this one is recorded, and starts nothing.
                run_ending.end_superseded_at_start(session, run.id, run_fence, report)
                return report
            claimed = pending_work.claim(session, group_id=group_id, run_id=run.id,
                                         scope=None if pending else plan_refs)
            if pending:
                try:
                    plan_refs = _with_pending(claimed, plan_refs, group_id)
                except NothingPending:
                    session.rollback()  # nothing of this run is recorded
                    raise
            session.commit()  # a run in `running` is seen even if this process dies
            log.info("sync.started", dry_run=False, fence=run_fence.token)
            uncommitted = UncommittedWrites()
            try:
                _run(session, group, systems, run, report, plan_refs=plan_refs, fence=run_fence,
                     on_link=on_link, uncommitted=uncommitted)
                report.finished_at = datetime.now(UTC)
                # Fenced, and first, so a newer run's registration waits for this commit, never the reverse.
                run_ending.record_end(session, run.id, report, fence=run_fence)
                # The pending work it reconciled goes in the run's last commit; a failed link's stays.
                pending_work.settle(session, group_id=group_id, run_id=run.id, report=report)
                session.commit()
                uncommitted.committed()
            except BaseException as error:
                run_ending.end_abnormally(sessions, session, run.id, run_fence, report, error,
                                          uncommitted=uncommitted)
                if isinstance(error, Superseded):
                    return report
                raise
            log.info("sync.finished", outcome=report.outcome.value, **asdict(report.counts))
    return report


def _run(
    session: Session,
    group: Group,
    systems: Mapping[Side, PlanSystem],
    run: Run | None,
    report: RunReport,
    *,
    plan_refs: Collection[PlanRef] | None,
    fence: RunFence | None,
    on_link: Callable[[int, int], None] | None = None,
    uncommitted: UncommittedWrites | None = None,
) -> None:
    # A run of a few links decodes the baselines of those only; the rest of the group is counted.
    linked = repo.group_links(session, group.group_id, baselines_for=plan_refs)
    stored_links = linked.links
    group_links = [
        link
        for link in stored_links
        if link.choice in SYNCED_CHOICES and link.state is not LinkState.UNLINKED
    ]
    wanted = None if plan_refs is None else set(plan_refs)
    links = [link for link in group_links if wanted is None or _names(link, wanted)]
    snapshots = known_plans.load_snapshots(session, links)
    try:
        if wanted is None:
            read = {side: {p.id: p for p in systems[side].list_plans(group.id_in(side))} for side in Side}
            observed = known_plans.read_everything(snapshots)
        else:
            reading = known_plans.read_links(systems, links, snapshots, named=wanted)
            read, observed = reading.plans, reading.observed
        missing = outage_guard.missing_links(links, read)
        if wanted is not None and missing:
            # Before a run of a few links calls any plan gone, the guard counts the whole group.
            missing = outage_guard.recount_whole_group(systems, group, group_links, links, read)
    except ConnectorError as error:
        report.outcome, report.error = RunOutcome.FAILED, str(error)
        log.error("sync.failed", error=str(error))
        return
    report.counts.read = sum(len(plans) for plans in read.values())
    if wanted is None:
        report.unreviewed = _unreviewed(stored_links, read)
    if outage_guard.outage(group_links, missing, report):
        return
    job = LinkJob(
        session=session,
        systems=systems,
        group=group,
        read=read,
        run=run,
        report=report,
        policy=group.conflict_policy,
        fence=fence,
        observed=observed,
        uncommitted=uncommitted or UncommittedWrites(),
    )
    stored = known_plans.stored_versions(snapshots, observed)
    for done, link in enumerate(links, start=1):
        job.last_link = done == len(links)
        try:
            sync_link(job, link, stored=stored, settlements=linked.settlements.get(link.id, {}))
        except (ConnectorError, LinkProblem, PlanValueError, repo.StorageError) as error:
            _record_link_error(job, link, error)
            for side in Side:  # what the rollback undid is not stored
                stored.pop((side, link.plan_ids[side] or ""), None)
        if on_link is not None:  # links done, of all: a caller's progress bar
            on_link(done, len(links))
    report.outcome = RunOutcome.PARTIAL if report.counts.errors else RunOutcome.SUCCEEDED


def _with_pending(pending: Collection[PlanRef], plan_refs: Collection[PlanRef] | None,
                  group_id: str) -> list[PlanRef]:
    """The group's pending plans and the plans named besides; none at all: NothingPending."""
    refs = list(dict.fromkeys([*pending, *(plan_refs or [])]))
    if not refs:
        raise NothingPending(group_id)
    return refs


def _names(link: Link, wanted: set[PlanRef]) -> bool:
    return any((side, link.plan_ids[side]) in wanted for side in Side)


def _unreviewed(stored_links: list[Link], read: Mapping[Side, Mapping[str, RemotePlan]]) -> int:
    """Plans of the listing that no link names (an unlinked link names none)."""
    chosen = {(side, plan_id) for link in stored_links for side in Side if (plan_id := link.plan_ids[side])}
    return sum(1 for side in Side for plan_id in read[side] if (side, plan_id) not in chosen)


def _record_link_error(job: LinkJob, link: Link, error: Exception) -> None:
    """What the link's failed step left uncommitted is rolled back, but for the records of writes that
    landed; the error is committed with them."""
    job.session.rollback()
    job.rolled_back()
    message = str(error)
    job.report.counts.errors += 1
    job.report.link_errors[link.id] = message
    log.warning("sync.link.failed", link_id=link.id, error=message, error_type=type(error).__name__)
    if not job.dry_run:
        # Read again: the link may have moved (a committed create, another session) since `link` was read.
        repo.set_link_state(job.session, repo.get_link(job.session, link.id), LinkState.ERROR, error=message)
        job.commit()
