"""The stored plan-sync values repositories hand out: groups, links, runs, changes, conflicts, accounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciliation.decisions import Choice, ConflictPolicy
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Plan
from reconciliation.side import Side
from reconciliation.states import ConflictStatus, Direction, LinkState, RunOutcome

# The note a linked link carries while a field written to a system was not taken there.
NOT_TAKEN = "did not take"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A PerfectQuote group connected to a BenefitPoint account, one to one both ways.

    `group_id` is the PerfectQuote group id, the id every command takes; `account_id` the BenefitPoint one.
    """

    group_id: str
    group_name: str
    account_id: str
    account_name: str
    conflict_policy: ConflictPolicy
    created_at: datetime

    def id_in(self, side: Side) -> str:
        """The group as `side` knows it: the PerfectQuote group id, or the BenefitPoint account id."""
        return self.group_id if side is Side.PERFECTQUOTE else self.account_id

    def ids(self) -> dict[Side, str | None]:
        """`id_in` of each side."""
        return {side: self.id_in(side) for side in Side}


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateIntent:
    """A create started on `side` under the link's id; recovery looks the plan up before creating again."""

    side: Side
    started_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A user's choice for one plan (or a pair), and what each side held right after its last sync.

    `version` is the stored version this value was read at: a write from a value whose link moved
    since is refused (StaleLink).
    """

    id: str
    group_id: str
    choice: Choice
    source_of_truth: Side | None
    plan_ids: Mapping[Side, str | None]
    baselines: Mapping[Side, Plan | None]
    state: LinkState
    version: int
    last_error: str | None = None
    last_error_at: datetime | None = None
    create_intent: CreateIntent | None = None

    @property
    def not_taken(self) -> str | None:
        """What a system did not take at the link's last write ("benefitpoint did not take: rates")."""
        if self.state is not LinkState.LINKED or NOT_TAKEN not in (self.last_error or ""):
            return None
        return self.last_error

    @property
    def entry(self) -> LinkEntry:
        """The stored choice as the link map describes it."""
        return LinkEntry(
            choice=self.choice,
            perfectquote_plan_id=self.plan_ids[Side.PERFECTQUOTE],
            benefitpoint_plan_id=self.plan_ids[Side.BENEFITPOINT],
            source_of_truth=self.source_of_truth,
        )


@dataclass(slots=True, kw_only=True)
class RunCounts:
    """What a run read and did; the group sync counts into one as it goes."""

    read: int = 0
    created: int = 0
    updated: int = 0
    conflicts: int = 0
    orphaned: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One run: a group's sync, or a whole cycle when `group_id` is None."""

    id: int
    group_id: str | None
    trigger: str
    outcome: RunOutcome
    started_at: datetime
    finished_at: datetime | None = None
    counts: RunCounts = field(default_factory=RunCounts)
    # Only a run that listed the whole group knows it; a run of changed links leaves it None.
    unreviewed: int | None = None
    error: str | None = None
    # The fence token the run registered at its start; None for a dry run or a cycle.
    fence_token: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One field written to one side: the value it had before and the value it has now (as stored JSON)."""

    id: int
    run_id: int
    link_id: str
    direction: Direction
    path: str
    before: Any
    after: Any
    recorded_at: datetime
    # False: the write was confirmed, but the system did not take this field (it kept `before`).
    applied: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Conflict:
    """A stored conflict: both sides' values (as stored JSON), and who won, or the person's choice."""

    id: int
    link_id: str
    run_id: int
    path: str
    baseline: Any
    values: Mapping[Side, Any]
    winner: Side | None
    status: ConflictStatus
    recorded_at: datetime
    settled_side: Side | None = None
    settled_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """A BenefitPoint account as listed; `refreshed_at`: when the cache last saw it (None: not stored)."""

    account_id: str
    name: str
    active: bool = True
    refreshed_at: datetime | None = None
