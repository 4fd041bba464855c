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
    choice: Choice
    source_of_truth: Side
    perfectquote: SideState
    benefitpoint: SideState
    policy: ConflictPolicy = ConflictPolicy.SOURCE_OF_TRUTH_WINS
    # Conflicts settled by a person: field path -> the side whose value wins.
    settlements: Mapping[str, Side] = field(default_factory=dict)

    def side(self, side: Side) -> SideState:
        return self.perfectquote if side is Side.PERFECTQUOTE else self.benefitpoint


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
    perfectquote: Any
    benefitpoint: Any
    winner: Side | None

    @property
    def losing_value(self) -> Any:
        if self.winner is None:
            return None
        return self.benefitpoint if self.winner is Side.PERFECTQUOTE else self.perfectquote


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The decisions for one link, and the baselines to store once every write is confirmed."""

    action: Action
    writes: tuple[Write, ...] = ()
    conflicts: tuple[ConflictFound, ...] = ()
    next_perfectquote_baseline: Plan | None = None
    next_benefitpoint_baseline: Plan | None = None
    reason: str | None = None
