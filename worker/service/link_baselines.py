"""A link's writes confirmed: what each system now holds becomes the link's baselines."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from config.logging import get_logger
from connectors.ports import RemotePlan
from reconciliation.decisions import Outcome, Write
from reconciliation.plan import Plan
from reconciliation.plan_fields import content_hash, plan_to_fields
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import PlanLink

log = get_logger(__name__)


class LinkProblem(Exception):
    """This link cannot be synced now (unreadable plan, a system that refused); recorded on the link."""


def confirmed_plan(link: PlanLink, write: Write, written: RemotePlan, *, notes: list[str]) -> Plan:
    if written.plan is None:
        raise LinkProblem(f"{write.side.value} answered the write with an unreadable plan: {written.problem}")
    asked, held = plan_to_fields(write.plan), plan_to_fields(written.plan)
    missed = sorted(path for path in asked.keys() | held.keys() if asked.get(path) != held.get(path))
    if missed:
        # A field the system cannot hold (rates when not writable, unmapped benefits): said, not dropped.
        log.warning("sync.plan.not_written", link_id=link.id, side=write.side.value, fields=missed)
        notes.append(f"{write.side.value} did not take: {', '.join(missed)}")
    return written.plan


def advance_baselines(
    session: Session, link: PlanLink, outcome: Outcome, confirmed: Mapping[Side, Plan], *, notes: list[str]
) -> None:
    bases = {
        Side.PERFECTQUOTE: outcome.next_perfectquote_baseline,
        Side.BENEFITPOINT: outcome.next_benefitpoint_baseline,
    }
    bases.update(confirmed)
    # An earlier write's note stays while the link is linked; the error of a failed run is over now.
    earlier = link.last_error if link.state == repo.LinkState.LINKED.value else None
    note = "; ".join(notes) or (earlier if confirmed else None)
    stored = {side: link.baseline(side) for side in Side}
    unchanged = all(
        (bases[side] is None) == (stored[side] is None)
        and (bases[side] is None or content_hash(bases[side]) == content_hash(stored[side]))
        for side in Side
    )
    if unchanged and link.state == repo.LinkState.LINKED.value:
        return
    repo.mark_settlements_applied(session, link, [c.path for c in outcome.conflicts])
    repo.advance_baselines(session, link, bases[Side.PERFECTQUOTE], bases[Side.BENEFITPOINT])
    if note:
        repo.set_link_state(session, link, repo.LinkState.LINKED, error=note)
