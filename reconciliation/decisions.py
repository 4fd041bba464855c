"""What the reconcile step is given about a link and what it decides: plain values, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciliation.plan import Plan
from reconciliation.side import Side


class Choice(StrEnum):
    SKIP = "skip"
    COPY = "copy"
    MERGE = "merge"
    UNREVIEWED = "unreviewed"


class ConflictPolicy(StrEnum):
    SOURCE_OF_TRUTH_WINS = "source_of_truth_wins"
    HOLD_FOR_REVIEW = "hold_for_review"


class Action(StrEnum):
    NOTHING = "nothing"
    WRITE = "write"
    ORPHANED = "orphaned"
    HELD = "held"


class WriteKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"


@dataclass(frozen=True, slots=True, kw_only=True)
class SideState:
    """One side of a link: whether the link has a plan id there, its baseline, its content now.

    `known=True, current=None` means the plan the link points at is gone (orphan);
    `known=False` means the link has no plan on that side yet (a copy not yet created).
    """

    known: bool
    baseline: Plan | None = None
    current: Plan | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkInput:
    """Everything the reconcile step knows about one link: its choice, and each side's state."""

    choice: Choice
    source_of_truth: Side
    sides: Mapping[Side, SideState]
    policy: ConflictPolicy = ConflictPolicy.SOURCE_OF_TRUTH_WINS
    # Conflicts settled by a person: field path -> the side whose value wins.
    settlements: Mapping[str, Side] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if set(self.sides) != set(Side):
            raise ValueError(f"link input: a state for each side is required, got {sorted(self.sides)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Write:
    """Make `side` hold `plan`; `changes` are the field paths that move, before and after."""

    side: Side
    kind: WriteKind
    plan: Plan
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConflictFound:
    """Both sides changed `path` to different values; `winner` None means held for review."""

    path: str
    baseline: Any
    values: Mapping[Side, Any]
    winner: Side | None

    @property
    def losing_value(self) -> Any:
        if self.winner is None:
            return None
        return self.values[self.winner.other]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """The decisions for one link, and each side's baseline to store once every write is confirmed."""

    action: Action
    writes: tuple[Write, ...] = ()
    conflicts: tuple[ConflictFound, ...] = ()
    next_baselines: Mapping[Side, Plan | None] = field(default_factory=dict)
    reason: str | None = None
