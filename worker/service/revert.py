"""Revert a run: write back, field by field, what its change log says each field held before it.

The revert is a run of its own (trigger `revert`), fenced like any run of the group, and its change log
records every field it puts back (before: the run's value, after: the value restored), so it can be
reverted in turn. A field edited since the run is left alone and reported with both values; a plan
the run created is never deleted: its link is unlinked and the plan listed for a person to remove.

Rerunning after a crash finishes the job and writes nothing twice: a field that holds its value
before the run already is not written again, and is recorded (its baseline set) if the crash came
between the write and its record. The link's baselines after a revert: on the side written, each
reverted field at its value before the run; every other field, and the other side, as they were.
The next sync then sees neither side changed on those fields: it neither undoes the revert nor
carries the reverted value across again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from connectors.errors import ConnectorError
from connectors.ports import PlanSystem
from reconciliation.plan import PlanValueError
from reconciliation.revert import FieldStep, created_sides, field_steps
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import DEFAULT_AGENCY_ID, agency_of
from reconciliation.storage.tables import AgencyRow
from worker.service import run_ending
from worker.service.revert_link import RevertJob, RevertProblem, revert_side, unlink_created
from worker.service.revert_report import RevertReport
from worker.service.run_fence import FenceSource, Superseded, take_fence
from worker.service.run_report import RunReport

TRIGGER = "revert"
log = get_logger(__name__)


class RevertRefused(ValueError):
    """The run cannot be reverted: it does not exist (in this agency), or it wrote nothing."""


def target_group(*, sessions: sessionmaker[Session], run_id: int) -> str:
    """The group of the run to revert (the lease to take); refused when there is nothing to revert."""
    with sessions() as session:
        return _target(session, run_id)[0]


def _target(session: Session, run_id: int) -> tuple[str, list[FieldStep], set[tuple[str, Side]]]:
    try:
        run = repo.get_run(session, run_id)
    except repo.RecordNotFound:
        agency = _agency_name(session)
        raise RevertRefused(f"run {run_id} is not a run of agency {agency} (or does not exist); "
                            "`plansync changes GROUP` and the console's Runs page show the runs") from None
    changes = repo.changes_for_run(session, run_id)
    if run.group_id is None or not changes:
        raise RevertRefused(f"run {run_id} wrote nothing, so there is nothing to revert; "
                            "pick a run whose Writes list is not empty")
    return run.group_id, field_steps(changes), created_sides(changes)


def _agency_name(session: Session) -> str:
    agency_id = agency_of(session)
    row = session.get(AgencyRow, agency_id)
    return row.name if row is not None else "default" if agency_id == DEFAULT_AGENCY_ID else str(agency_id)


def revert_run(*, sessions: sessionmaker[Session], systems: Mapping[Side, PlanSystem], run_id: int,
               dry_run: bool = False, fence: FenceSource | None = None) -> RevertReport:
    """Revert run `run_id` (or, with `dry_run`, report what a revert would do and write nothing)."""
    with sessions() as session:
        group_id, steps, created = _target(session, run_id)
        report = RevertReport(target_run_id=run_id, group_id=group_id, dry_run=dry_run)
        group = repo.get_group(session, group_id)
        job = RevertJob(session=session, systems=systems, group=group, report=report)
        if dry_run:
            _revert(job, steps, created)
            report.outcome = RunOutcome.PARTIAL if report.link_errors else RunOutcome.SUCCEEDED
            return report
        run_fence, registered = take_fence(session, group_id, fence)
        run = repo.start_run(session, trigger=TRIGGER, group_id=group_id, fence_token=run_fence.token)
        report.run_id, job.run_id, job.fence = run.id, run.id, run_fence
        ending = RunReport(run_id=str(run.id), group_id=group_id, trigger=TRIGGER, dry_run=False,
                           started_at=datetime.now(UTC), counts=report.counts)
        if not registered:
            run_ending.end_superseded_at_start(session, run.id, run_fence, ending)
            report.outcome, report.error = ending.outcome, ending.error
            return report
        session.commit()  # the revert's run is seen as `running` even if this process dies
        log.info("revert.started", run_id=run.id, target_run_id=run_id, group_id=group_id,
                 fence=run_fence.token)
        try:
            _revert(job, steps, created)
            ending.outcome = RunOutcome.PARTIAL if report.link_errors else RunOutcome.SUCCEEDED
            ending.error = "; ".join(report.link_errors.values()) or None
            ending.finished_at = datetime.now(UTC)
            run_ending.record_end(session, run.id, ending, fence=run_fence)
            session.commit()
        except BaseException as error:
            run_ending.end_abnormally(sessions, session, run.id, run_fence, ending, error)
            report.outcome, report.error = ending.outcome, ending.error
            if isinstance(error, Superseded):
                return report
            raise
        report.outcome, report.error = ending.outcome, ending.error
        log.info("revert.finished", run_id=run.id, target_run_id=run_id, outcome=report.outcome.value,
                 updated=report.counts.updated, changed_since=report.counts.conflicts,
                 unlinked=len(report.unlinked), errors=report.counts.errors)
    return report


def _revert(job: RevertJob, steps: list[FieldStep], created: set[tuple[str, Side]]) -> None:
    by_link: dict[str, dict[Side, list[FieldStep]]] = defaultdict(lambda: defaultdict(list))
    for step in steps:
        by_link[step.link_id][step.side].append(step)
    for link_id, sides in by_link.items():
        link = repo.get_link(job.session, link_id)
        try:
            made = [side for side in sides if (link_id, side) in created]
            if made:
                for side in made:
                    unlink_created(job, link, side)
                continue
            for side, side_steps in sides.items():
                link = revert_side(job, link, side, side_steps)
        except (ConnectorError, RevertProblem, PlanValueError, repo.StorageError) as error:
            job.session.rollback()
            job.report.counts.errors += 1
            job.report.link_errors[link_id] = str(error)
            log.warning("revert.link.failed", link_id=link_id, error=str(error),
                        error_type=type(error).__name__)
