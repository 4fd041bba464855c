"""The states stored rows move through: links, runs, conflicts, and a write's direction."""

from __future__ import annotations

from enum import StrEnum

from reconciliation.side import Side


class LinkState(StrEnum):
    PENDING = "pending"
    LINKED = "linked"
    ORPHANED = "orphaned"
    ERROR = "error"
    HELD = "held"
    UNLINKED = "unlinked"


class RunOutcome(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"  # stopped by its operator (Ctrl-C) before it finished
    SUPERSEDED = "superseded"  # a newer run of its group took over; it wrote nothing more after that


class ConflictStatus(StrEnum):
    """`open`: held for a person; `settled`: a person chose, not yet written; `applied`: written."""

    OPEN = "open"
    SETTLED = "settled"
    APPLIED = "applied"


class Direction(StrEnum):
    PQ_TO_BP = "pq->bp"
    BP_TO_PQ = "bp->pq"

    @classmethod
    def into(cls, side: Side) -> Direction:
        """The direction of a write made to `side`."""
        return cls.PQ_TO_BP if side is Side.BENEFITPOINT else cls.BP_TO_PQ
