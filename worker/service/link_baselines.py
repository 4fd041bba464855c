"""A link's writes confirmed: what each system now holds becomes the link's baselines."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from config.logging import get_logger
from connectors.ports import RemotePlan
from reconciliation.decisions import Reconciliation, Write
from reconciliation.plan import Plan
from reconciliation.plan_fields import plan_to_fields
from reconciliation.records import NOT_TAKEN, Link
from reconciliation.side import Side
from reconciliation.states import Direction, LinkState
from reconciliation.storage import repository as repo
from worker.service.run_report import RunReport

log = get_logger(__name__)


class LinkProblem(Exception):
    """This link cannot be synced now (unreadable plan, a system that refused); recorded on the link."""


def confirmed_plan(link: Link, write: Write, written: RemotePlan, *, notes: list[str]) -> Plan:
    if written.plan is None:
        raise LinkProblem(f"{write.side.value} answered the write with an unreadable plan: {written.problem}")
    missed = not_taken(write, written.plan)
    if missed:
        # A field the system cannot hold (rates when not writable, unmapped benefits): said, not dropped.
        log.warning("sync.plan.not_written", link_id=link.id, side=write.side.value, fields=missed)
        notes.append(f"{write.side.value} {NOT_TAKEN}: {', '.join(missed)}")
    return written.plan


def mark_not_taken(session: Session, link_id: str, write: Write, held: Plan | None) -> None:
    """The change-log rows of the fields `write` changed that the system, once it confirmed the write,
    does not hold: marked not applied."""
    missed = [] if held is None else not_taken(write, held)
    # Only fields the write changed have change-log rows; a create's unmapped fields are in the note.
    logged = [change.path for change in write.changes if change.path in missed]
    if logged:
        repo.mark_not_applied(session, link_id, direction=Direction.into(write.side), paths=logged)


def not_taken(write: Write, held: Plan) -> list[str]:
    """The fields `write` asked for that the system, once it confirmed the write, does not hold."""
    asked, kept = plan_to_fields(write.plan), plan_to_fields(held)
    return sorted(path for path in asked.keys() | kept.keys() if asked.get(path) != kept.get(path))


def advance_baselines(
    session: Session,
    link: Link,
    outcome: Reconciliation,
    confirmed: Mapping[Side, Plan],
    *,
    notes: list[str],
    report: RunReport | None = None,
) -> Link:
    """Every write of the link confirmed: its baselines, state and settled conflicts, flushed together.

    The caller commits them as one unit; a link already linked at these baselines is left as it is.
    A field a system did not take marks its change-log row not applied and is counted in the report.
    """
    for write in outcome.writes:
        mark_not_taken(session, link.id, write, confirmed.get(write.side))
    if notes and report is not None:
        report.not_taken[link.id] = "; ".join(notes)
    bases = {side: outcome.next_baselines.get(side) for side in Side} | dict(confirmed)
    # An earlier write's note stays while the link is linked; the error of a failed run is over now.
    earlier = link.last_error if link.state is LinkState.LINKED else None
    note = "; ".join(notes) or (earlier if confirmed else None)
    stored = link.baselines
    # Canonical plans compare by content: equality is the content comparison, with no hashing.
    unchanged = all(bases[side] == stored[side] for side in Side)
    if unchanged and link.state is LinkState.LINKED:
        return link
    if outcome.conflicts:
        repo.mark_settlements_applied(session, link.id, [c.path for c in outcome.conflicts])
    return repo.advance_baselines(session, link, bases, state=LinkState.LINKED, error=note or None)
