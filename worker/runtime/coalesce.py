"""Per-group run bookkeeping in Redis: the lease and fence counter, the pending trigger, who waits on a run,
run outcomes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from reconciliation.agency import DEFAULT_AGENCY_ID
from worker.runtime.lease import Lease

KEY_TTL_S = 24 * 3600

# A trigger that finds the group busy: remember who waits, and start a recheck chain only if none runs.
_MARK_PENDING = """
redis.call('sadd', KEYS[2], ARGV[1])
redis.call('expire', KEYS[2], ARGV[3])
if redis.call('set', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then return ARGV[2] end
return false
"""
# A run that has just taken the lease covers every trigger that arrived before it.
_CLAIM = """
redis.call('del', KEYS[1])
local waiters = redis.call('smembers', KEYS[2])
redis.call('del', KEYS[2])
return waiters
"""


@dataclass(frozen=True)
class LeaseFence:
    """A run's fence tokens, issued only while it holds its group's lease (a `run_fence.FenceSource`)."""

    lease: Lease
    counter_key: str

    def take(self, *, floor: int) -> int | None:
        return self.lease.take_token(self.counter_key, floor=floor)


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class GroupRuns:
    """One sync per group at a time; triggers that arrive meanwhile fold into one follow-up run."""

    def __init__(self, client: redis.Redis, *, namespace: str, outcome_ttl_s: int = KEY_TTL_S) -> None:
        self.client = client
        self.namespace = namespace
        self.outcome_ttl_s = outcome_ttl_s

    def for_agency(self, agency_id: int) -> GroupRuns:
        """The runs of one agency's groups: the same group id in two agencies is two groups (the default
        agency keeps the keys it had before agencies)."""
        if agency_id == DEFAULT_AGENCY_ID:
            return self
        return GroupRuns(self.client, namespace=f"{self.namespace}:agency-{agency_id}",
                         outcome_ttl_s=self.outcome_ttl_s)

    def _key(self, kind: str, name: str) -> str:
        return f"{self.namespace}:{kind}:{name}"

    def lease(self, group_id: str, *, ttl_ms: int) -> Lease:
        """A fresh lease handle (own token) on the group's run lease."""
        return Lease(self.client, self._key("lease", group_id), ttl_ms=ttl_ms)

    def fence(self, group_id: str, lease: Lease) -> LeaseFence:
        """Where the run holding `lease` takes its fence token: the group's counter, holder only."""
        return LeaseFence(lease=lease, counter_key=self._key("fence", group_id))

    def mark_pending(self, group_id: str, *, waiter: str) -> str | None:
        """Record a trigger for a busy group; returns a new recheck token if no trigger was pending yet."""
        token = uuid.uuid4().hex
        result = self.client.eval(_MARK_PENDING, 2, self._key("pending", group_id),
                                  self._key("waiters", group_id), waiter, token, KEY_TTL_S)
        return _text(result) if result else None

    def pending_token(self, group_id: str) -> str | None:
        """The token of the pending trigger, if one is pending."""
        return _text(self.client.get(self._key("pending", group_id)))

    def claim(self, group_id: str) -> list[str]:
        """Clear the pending flag at the start of a run and return the message ids it now covers."""
        waiters = self.client.eval(_CLAIM, 2, self._key("pending", group_id), self._key("waiters", group_id))
        return sorted(_text(item) or "" for item in waiters)

    def take_pending(self, group_id: str) -> bool:
        """At the end of a run: was a trigger left pending? Clears it, so only one follow-up is sent."""
        return self.client.getdel(self._key("pending", group_id)) is not None

    def record_outcome(self, message_ids: Iterable[str], outcome: dict[str, Any]) -> None:
        """Store the outcome of a run under every message id it answers."""
        payload = json.dumps(outcome, default=str)
        with self.client.pipeline() as pipe:
            for message_id in message_ids:
                pipe.set(self._key("outcome", message_id), payload, ex=self.outcome_ttl_s)
            pipe.execute()

    def outcome(self, message_id: str) -> dict[str, Any] | None:
        """The outcome recorded for a message, or None while its run has not ended."""
        raw = self.client.get(self._key("outcome", message_id))
        return None if raw is None else json.loads(raw)

