"""What a revert did (or, in a dry run, would do): each field's verdict, plans left to remove, errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from reconciliation.records import RunCounts
from reconciliation.revert import FieldRevert, Verdict
from reconciliation.side import Side
from reconciliation.states import RunOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class RevertedField:
    """One field as the report shows it: the run's before and after, what the side holds, the verdict."""

    link_id: str
    side: str
    plan_id: str | None
    field: str
    verdict: str
    before: Any
    after: Any
    current: Any

    @classmethod
    def of(cls, decision: FieldRevert, *, plan_id: str | None,
           verdict: Verdict | None = None) -> RevertedField:
        step = decision.step
        return cls(link_id=step.link_id, side=step.side.value, plan_id=plan_id, field=step.path,
                   verdict=(verdict or decision.verdict).value, before=step.before, after=step.after,
                   current=decision.current)


@dataclass(slots=True, kw_only=True)
class RevertReport:
    """`run_id` is the revert's own run (None in a dry run); `target_run_id` the run it reverts."""

    target_run_id: int
    group_id: str
    dry_run: bool
    run_id: int | None = None
    outcome: RunOutcome | None = None
    error: str | None = None
    counts: RunCounts = field(default_factory=RunCounts)
    fields: list[RevertedField] = field(default_factory=list)
    # Plans the reverted run created: unlinked, never deleted; a person removes them in their system.
    unlinked: list[dict[str, str | None]] = field(default_factory=list)
    link_errors: dict[str, str] = field(default_factory=dict)

    def note_unlinked(self, *, link_id: str, side: Side, plan_id: str | None) -> None:
        self.unlinked.append({"link_id": link_id, "side": side.value, "plan_id": plan_id})

    def of_verdict(self, verdict: Verdict) -> list[RevertedField]:
        return [f for f in self.fields if f.verdict == verdict.value]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "target_run_id": self.target_run_id,
            "group_id": self.group_id,
            "dry_run": self.dry_run,
            "outcome": self.outcome.value if self.outcome else None,
            "error": self.error,
            "counts": asdict(self.counts),
            "fields": [asdict(f) for f in self.fields],
            "unlinked": list(self.unlinked),
            "link_errors": dict(self.link_errors),
        }
