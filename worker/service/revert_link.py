"""One link's part of a revert: each side read, decided, written back under the fence, then recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from sqlalchemy.orm import Session

from config.logging import get_logger
from connectors.errors import StaleVersion
from connectors.ports import PlanSystem, RemotePlan, guarded_calls
from reconciliation.records import Group, Link
from reconciliation.revert import (
    TO_RECORD,
    TO_WRITE,
    FieldRevert,
    FieldStep,
    Verdict,
    decide_side,
    next_baseline,
    reverted,
)
from reconciliation.side import Side
from reconciliation.states import Direction, LinkState
from reconciliation.storage import repository as repo
from worker.service import known_plans
from worker.service.revert_report import RevertedField, RevertReport
from worker.service.run_fence import RunFence

MAX_STALE_ROUNDS = 3
log = get_logger(__name__)


class RevertProblem(Exception):
    """This link cannot be reverted now (an unreadable plan, a plan that kept changing): reported."""


@dataclass(kw_only=True)
class RevertJob:
    """What each link's revert needs; `run_id` None is a dry run, which writes nothing anywhere."""

    session: Session
    systems: Mapping[Side, PlanSystem]
    group: Group
    report: RevertReport
    run_id: int | None = None
    fence: RunFence | None = None

    def fenced_calls(self) -> AbstractContextManager[None]:
        if self.fence is None:
            return nullcontext()
        fence, session = self.fence, self.session
        return guarded_calls(lambda: fence.check(session))

    def commit(self) -> None:
        if self.fence is not None:
            self.fence.commit(self.session)
        else:
            self.session.commit()


def unlink_created(job: RevertJob, link: Link, side: Side) -> None:
    """A plan the run created is never deleted: its link stops syncing, and the plan is listed."""
    plan_id = link.plan_ids[side]
    job.report.note_unlinked(link_id=link.id, side=side, plan_id=plan_id)
    if job.run_id is None or link.state is LinkState.UNLINKED:
        return
    repo.unlink(job.session, job.group.group_id, link.id)
    job.commit()
    log.warning("revert.plan.unlinked", link_id=link.id, side=side.value, plan_id=plan_id)


def revert_side(job: RevertJob, link: Link, side: Side, steps: Sequence[FieldStep]) -> Link:
    """Write the values before the run back to one side, a bounded number of times if it moves meanwhile."""
    plan_id = link.plan_ids[side]
    if plan_id is None or link.state is LinkState.UNLINKED:
        raise RevertProblem(f"link {link.id} was unlinked since the run: its {side.value} plan is left alone")
    for _round in range(MAX_STALE_ROUNDS):
        remote = job.systems[side].get_plan(plan_id)
        if remote is not None and remote.plan is None:
            raise RevertProblem(f"{side.value} plan {plan_id} cannot be read: {remote.problem}")
        job.report.counts.read += 1
        decisions = decide_side(steps, current=None if remote is None else remote.plan,
                                baseline=link.baselines[side])
        if job.run_id is None or remote is None:
            _report(job, decisions, plan_id=plan_id)
            return link
        try:
            return _apply(job, link, side, remote, decisions)
        except StaleVersion:
            log.info("revert.plan.stale", link_id=link.id, side=side.value, plan_id=plan_id)
    raise RevertProblem(f"{side.value} plan {plan_id} kept changing between read and write "
                        f"({MAX_STALE_ROUNDS} tries); run the revert again")


def _apply(job: RevertJob, link: Link, side: Side, remote: RemotePlan,
           decisions: Sequence[FieldRevert]) -> Link:
    assert job.run_id is not None and remote.plan is not None
    written = remote
    if any(d.verdict in TO_WRITE for d in decisions):
        with job.fenced_calls():
            written = job.systems[side].update_plan(remote, reverted(remote.plan, decisions, TO_WRITE),
                                                    link_id=link.id)
        job.report.counts.updated += 1
    # Decided again on what the system confirmed: a field it did not take is not recorded as reverted.
    confirmed = decide_side([d.step for d in decisions], current=written.plan, baseline=link.baselines[side])
    recorded = [d for d in confirmed if d.verdict in TO_RECORD]
    for decision in recorded:
        step = decision.step
        repo.log_change(job.session, job.run_id, link.id, direction=Direction.into(side), path=step.path,
                        before=step.after, after=step.before)
    if recorded:
        rebased = {side: next_baseline(link.baselines[side], recorded)}
        link = repo.advance_baselines(job.session, link, rebased, state=link.state, error=link.last_error)
    known_plans.remember(job.session, [written], owners=job.group.ids(), observed={})
    job.commit()
    if written is not remote:
        log.info("revert.plan.written", link_id=link.id, side=side.value, plan_id=remote.id,
                 fields=[d.step.path for d in recorded])
    after = {d.step.path: d.verdict for d in confirmed}
    for decision in decisions:
        taken = decision.verdict is not Verdict.WRITE or after[decision.step.path] is not Verdict.WRITE
        _report(job, [decision], plan_id=remote.id, verdict=None if taken else Verdict.NOT_TAKEN)
    return link


def _report(job: RevertJob, decisions: Sequence[FieldRevert], *, plan_id: str,
            verdict: Verdict | None = None) -> None:
    for decision in decisions:
        if decision.verdict is Verdict.CHANGED:
            job.report.counts.conflicts += 1
            log.warning("revert.field.changed_since", link_id=decision.step.link_id,
                        side=decision.step.side.value, field=decision.step.path)
        job.report.fields.append(RevertedField.of(decision, plan_id=plan_id, verdict=verdict))
