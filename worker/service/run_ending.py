"""How a group's run row ends: with its report, superseded by a newer run, or whatever stopped it.

A run row never stays `running` once the run's code has stopped: an exception of any kind
(a refused answer, `RecursionError`, Ctrl-C, Dramatiq's time limit) ends it `failed`,
`interrupted` or, when a newer run of the group took over meanwhile, `superseded`.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from config.metrics import RUNS
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from worker.service.run_fence import RunFence, Superseded
from worker.service.run_report import RunReport
from worker.service.write_records import UncommittedWrites

log = get_logger(__name__)


def record_end(session: Session, run_id: int, report: RunReport, *, fence: RunFence | None = None) -> None:
    """The run's outcome and counts on its row (flushed; the caller commits).

    With `fence`, only while the run holds its group's fence (Superseded otherwise), whose row it then
    holds until the commit: the first lock of the run's last transaction on the group, so it comes
    before the run's pending plans are settled (a newer run claims them right after registering).
    """
    assert report.outcome is not None
    try:
        repo.finish_run(session, run_id, outcome=report.outcome, counts=report.counts, error=report.error,
                        unreviewed=report.unreviewed, fence_token=None if fence is None else fence.token)
    except repo.FenceMoved:
        assert fence is not None
        raise Superseded(fence.group_id, fence.token, repo.fence_token(session, fence.group_id)) from None
    # Counted once the end is committed: an end whose commit fails is recorded (and counted) again.
    outcome = report.outcome.value
    event.listen(session, "after_commit", lambda _session: RUNS.labels(outcome=outcome).inc(), once=True)


def end_superseded_at_start(session: Session, run_id: int, fence: RunFence, report: RunReport) -> None:
    """A run whose token was not newer than the group's: recorded as superseded, nothing else done."""
    superseded = Superseded(fence.group_id, fence.token, repo.fence_token(session, fence.group_id))
    _set(report, RunOutcome.SUPERSEDED, str(superseded))
    record_end(session, run_id, report)
    session.commit()
    log.warning("sync.superseded", fence=fence.token, newest_fence=superseded.current, started=False)


def end_abnormally(sessions: sessionmaker[Session], session: Session, run_id: int, fence: RunFence,
                   report: RunReport, error: BaseException, *,
                   uncommitted: UncommittedWrites | None = None) -> None:
    """Record how the run stopped; what it left uncommitted is rolled back, never committed, except the
    records of writes that landed (`uncommitted`), written again with the end unless a newer run took over."""
    uncommitted = uncommitted or UncommittedWrites()
    # A connection lost mid-statement cannot roll back: the row is then written on a fresh one.
    with contextlib.suppress(Exception):
        session.rollback()
    try:
        with sessions() as fresh:
            outcome, message = _outcome(fresh, fence, error)
            _set(report, outcome, message)
            if outcome is RunOutcome.SUPERSEDED:
                uncommitted.lost()
            else:
                uncommitted.add_again(fresh)
            record_end(fresh, run_id, report)
            fresh.commit()
            uncommitted.committed()
    except Exception as failure:
        # The next run of the group closes it (superseded) when it starts.
        log.error("sync.run.unrecorded", error=f"{type(failure).__name__}: {failure}",
                  cause=f"{type(error).__name__}: {error}")
        uncommitted.lost()
        return
    if report.outcome is RunOutcome.SUPERSEDED:
        log.warning("sync.superseded", fence=fence.token, newest_fence=getattr(error, "current", None),
                    started=True, **_counts(report))
    elif report.outcome is RunOutcome.INTERRUPTED:
        log.warning("sync.interrupted", **_counts(report))
    else:
        log.error("sync.failed", error=report.error, error_type=type(error).__name__)


def _outcome(session: Session, fence: RunFence, error: BaseException) -> tuple[RunOutcome, str]:
    if isinstance(error, Superseded):
        return RunOutcome.SUPERSEDED, str(error)
    cause = f"{type(error).__name__}: {error}".rstrip(": ")
    if not fence.holds(session):
        # It stopped (a time limit, an error) after a newer run took over: that newer run is what counts.
        return RunOutcome.SUPERSEDED, f"superseded: a newer run of group {fence.group_id} took over ({cause})"
    if isinstance(error, KeyboardInterrupt):
        return RunOutcome.INTERRUPTED, "interrupted (Ctrl-C) before it finished; its writes are logged"
    return RunOutcome.FAILED, cause


def _set(report: RunReport, outcome: RunOutcome, message: str) -> None:
    report.outcome = outcome
    report.error = message
    report.finished_at = datetime.now(UTC)


def _counts(report: RunReport) -> dict[str, int]:
    counts = report.counts
    return {"created": counts.created, "updated": counts.updated, "errors": counts.errors}
