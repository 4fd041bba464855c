"""Per-group run bookkeeping in Redis: the lease and fence counter, the pending trigger, who waits on a run,
run outcomes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
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
# A run's start, in one round trip. A trigger message already answered (any outcome stored: the caller
# reads it; a recheck whose pending trigger another run took) starts nothing; otherwise the lease, if free
# (else its time left), with the group's next fence token, and for a trigger message every trigger that
# arrived before it, which it covers.
_BEGIN = """
if ARGV[1] ~= '' then
  local previous = redis.call('get', KEYS[4])
  if previous then return {'answered', previous} end
end
if ARGV[2] ~= '' and redis.call('get', KEYS[2]) ~= ARGV[2] then return {'satisfied'} end
if not redis.call('set', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[4]) then
  return {'busy', tostring(redis.call('pttl', KEYS[1]))}
end
local answer = {'acquired', tostring(redis.call('incr', KEYS[5]))}
if ARGV[5] ~= '1' then return answer end
redis.call('del', KEYS[2])
for _, waiter in ipairs(redis.call('smembers', KEYS[3])) do table.insert(answer, waiter) end
redis.call('del', KEYS[3])
return answer
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Begun:
    """How a run's start went: `acquired` the lease (with fence token `token`, covering `waiters` too), or
    found it `busy` (`remaining_ms`), or found its message answered already (`previous`: the outcome
    stored, if any)."""

    acquired: bool = False
    token: int | None = None
    waiters: list[str] = field(default_factory=list)
    remaining_ms: int = 0
    answered: bool = False
    previous: dict[str, Any] | None = None


@dataclass
class LeaseFence:
    """A run's fence tokens, issued only while it holds its group's lease (a `run_fence.FenceSource`);
    `issued`: the token the lease came with (`GroupRuns.begin`), taken first if above the floor."""

    lease: Lease
    counter_key: str
    issued: int | None = None

    def take(self, *, floor: int) -> int | None:
        issued, self.issued = self.issued, None
        if issued is not None and issued > floor:
            return issued
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

    def fence(self, group_id: str, lease: Lease, *, issued: int | None = None) -> LeaseFence:
        """Where the run holding `lease` takes its fence token: the group's counter, holder only; `issued`:
        the token `begin` took with the lease."""
        return LeaseFence(lease=lease, counter_key=self._key("fence", group_id), issued=issued)

    def mark_pending(self, group_id: str, *, waiter: str) -> str | None:
        """Record a trigger for a busy group; returns a new recheck token if no trigger was pending yet."""
        token = uuid.uuid4().hex
        result = self.client.eval(_MARK_PENDING, 2, self._key("pending", group_id),
                                  self._key("waiters", group_id), waiter, token, KEY_TTL_S)
        return _text(result) if result else None

    def pending_token(self, group_id: str) -> str | None:
        """The token of the pending trigger, if one is pending."""
        return _text(self.client.get(self._key("pending", group_id)))

    def begin(self, group_id: str, lease: Lease, *, message_id: str | None = None,
              pending_token: str | None = None, check_answered: bool = True) -> Begun:
        """A run's start: take the group's lease; with a trigger `message_id`, unless its message was answered
        already (`check_answered`), claim the triggers left pending, which the run covers. `pending_token`: a
        recheck's, answered when no longer the pending one."""
        keys = [lease.key, self._key("pending", group_id), self._key("waiters", group_id),
                self._key("outcome", message_id or ""), self._key("fence", group_id)]
        answer = self.client.eval(_BEGIN, 5, *keys, message_id if message_id and check_answered else "",
                                  pending_token or "", lease.token, lease.ttl_ms, "1" if message_id else "0")
        kind, *rest = [_text(item) or "" for item in answer]
        if kind == "answered":
            return Begun(answered=True, previous=json.loads(rest[0]))
        if kind == "satisfied":
            return Begun(answered=True)
        if kind == "busy":
            return Begun(remaining_ms=max(int(rest[0]), 0))
        return Begun(acquired=True, token=int(rest[0]), waiters=sorted(rest[1:]))

    def end(self, group_id: str, lease: Lease, *, covered: Iterable[str],
            outcome: dict[str, Any] | None) -> tuple[bool, bool]:
        """A run's end, in one round trip: its outcome stored under every message it answers, its lease
        released (compare-and-delete), the pending trigger cleared, so only one follow-up is sent.
        Returns whether the lease was still this run's, and whether a trigger was left pending."""
        with self.client.pipeline(transaction=False) as pipe:
            if outcome is not None:
                payload = json.dumps(outcome, default=str)
                for message_id in covered:
                    pipe.set(self._key("outcome", message_id), payload, ex=self.outcome_ttl_s)
            lease.release_in(pipe)
            pipe.getdel(self._key("pending", group_id))
            *_, released, pending = pipe.execute()
        return bool(released), pending is not None

    def outcome(self, message_id: str) -> dict[str, Any] | None:
        """The outcome recorded for a message, or None while its run has not ended."""
        raw = self.client.get(self._key("outcome", message_id))
        return None if raw is None else json.loads(raw)

