"""Durable pending work: the plans a change feed named until a run reconciles them, and feed entities
that could not be read, with when each is due again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reconciliation.link_entry import PlanRef
from reconciliation.side import Side

# A feed's nudge normally starts its run within seconds; pending work this old lost its nudge (a wiped
# broker, a crash between commit and send) and the sweeper sends another.
PENDING_GRACE = timedelta(minutes=5)
# A run that claimed pending work may legitimately take a while; only a run this old is presumed dead.
CLAIM_GRACE = timedelta(minutes=15)
# A link that failed is retried with backoff: 5, 10, 20, 40 minutes, then hourly.
RETRY_CAP = timedelta(hours=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingPlan:
    """A plan a change feed named for a group, waiting for the run that reconciles its link."""

    group_id: str
    side: Side
    plan_id: str
    first_seen_at: datetime
    due_at: datetime
    attempts: int = 0
    last_error: str | None = None

    @property
    def ref(self) -> PlanRef:
        return (self.side, self.plan_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreadableChange:
    """An entity of a change feed whose plan could not be found out, because its answer was unreadable.

    A connector reports it with `error`; storage keeps it with how many cycles tried it, and the next
    cycle asks again.
    """

    side: Side
    entity_type: str
    entity_id: str
    error: str
    attempts: int = 0
    first_seen_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.entity_type, self.entity_id)


def retry_due(now: datetime, attempts: int) -> datetime:
    """When pending work that failed `attempts` times in a row is tried again."""
    steps = max(attempts - 1, 0)
    delay = PENDING_GRACE * (2 ** min(steps, 8))
    return now + min(delay, RETRY_CAP)
