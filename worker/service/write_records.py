"""A confirmed write's records (its change log, what each system holds after it) until they are committed.

The records of a link's last write go in the link's last commit, with its baselines (for a run's last link,
in the run's end): one commit where there were two. A write that landed is never left unrecorded by that:
when the commit does not happen (the link failed after the write, the run's end failed), its records
are written again after the rollback; only a run a newer one superseded records nothing more, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from config.logging import get_logger
from connectors.ports import RemotePlan
from reconciliation.decisions import Write
from reconciliation.link_entry import PlanRef
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from worker.service import known_plans
from worker.service.known_plans import Observed
from worker.service.link_baselines import mark_not_taken

log = get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteRecord:
    """One confirmed write and what both systems hold after it, as the run stores them."""

    run_id: int
    link_id: str
    write: Write
    written: RemotePlan
    others: tuple[RemotePlan | None, ...]
    owners: Mapping[Side, str | None]
    observed: Observed

    def add(self, session: Session, *, stored: dict[PlanRef, str] | None = None) -> None:
        """The change log and the plans' versions, in the caller's transaction; `stored` as `remember`'s."""
        repo.log_write(session, self.run_id, self.link_id, self.write)
        known_plans.remember(session, [self.written, *self.others], owners=self.owners,
                             observed=self.observed, stored=stored)

    def add_again(self, session: Session) -> None:
        """After a rollback: as `add`, with the fields the system did not take marked as not applied
        (the link's baselines, which marked them, were rolled back with them)."""
        self.add(session)
        mark_not_taken(session, self.link_id, self.write, self.written.plan)

    def lost(self) -> None:
        log.warning("sync.write.unrecorded", link_id=self.link_id, side=self.write.side.value,
                    plan_id=self.written.id, fields=[change.path for change in self.write.changes])


@dataclass(slots=True)
class UncommittedWrites:
    """The records added since the run's last commit, of writes that landed."""

    records: list[WriteRecord] = field(default_factory=list)

    def hold(self, record: WriteRecord) -> None:
        self.records.append(record)

    def committed(self) -> None:
        self.records.clear()

    def add_again(self, session: Session) -> None:
        """The session was rolled back: every held record is added to its new transaction (still held)."""
        for record in self.records:
            record.add_again(session)

    def lost(self) -> None:
        """A newer run took the group before they were committed: each is logged, none recorded."""
        for record in self.records:
            record.lost()
        self.records.clear()
