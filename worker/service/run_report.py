"""What one group sync did (or, in a dry run, would do): counts, writes, errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from reconciliation.decisions import Write
from reconciliation.plan_fields import field_to_json
from reconciliation.records import RunCounts
from reconciliation.states import RunOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedWrite:
    """A write as the run report and the dry run show it, field by field."""

    link_id: str
    side: str
    kind: str
    plan_id: str | None
    changes: tuple[dict[str, Any], ...]

    @classmethod
    def from_write(cls, write: Write, *, link_id: str, plan_id: str | None) -> PlannedWrite:
        return cls(
            link_id=link_id,
            side=write.side.value,
            kind=write.kind.value,
            plan_id=plan_id,
            changes=tuple(
                {
                    "field": c.path,
                    "before": field_to_json(c.path, c.before),
                    "after": field_to_json(c.path, c.after),
                }
                for c in write.changes
            ),
        )


@dataclass(slots=True, kw_only=True)
class RunReport:
    run_id: str | None
    group_id: str
    trigger: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None = None
    outcome: RunOutcome | None = None
    error: str | None = None
    counts: RunCounts = field(default_factory=RunCounts)
    writes: list[PlannedWrite] = field(default_factory=list)
    link_errors: dict[str, str] = field(default_factory=dict)
    # Links whose write a system confirmed without taking every field: link id -> what was not taken.
    not_taken: dict[str, str] = field(default_factory=dict)
    unreviewed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "group_id": self.group_id,
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "outcome": self.outcome.value if self.outcome else None,
            "error": self.error,
            "counts": asdict(self.counts),
            "writes": [asdict(w) for w in self.writes],
            "link_errors": dict(self.link_errors),
            "not_taken": dict(self.not_taken),
            "unreviewed": self.unreviewed,
        }
