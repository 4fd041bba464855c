"""Per-group run bookkeeping in Redis: the pending trigger, who waits on a run, and run outcomes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import dramatiq
import redis
import structlog

from config.logging import get_logger
from worker.runtime import jobs
from worker.runtime.lease import Lease

if TYPE_CHECKING:
    from worker.runtime.actors import WorkerTiming

log = get_logger(__name__)

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


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class GroupRuns:
    """One sync per group at a time; triggers that arrive meanwhile fold into one follow-up run."""

    def __init__(self, client: redis.Redis, *, namespace: str, outcome_ttl_s: int = KEY_TTL_S) -> None:
        self.client = client
        self.namespace = namespace
        self.outcome_ttl_s = outcome_ttl_s

    def _key(self, kind: str, name: str) -> str:
        return f"{self.namespace}:{kind}:{name}"

    def lease(self, group_id: str, *, ttl_ms: int) -> Lease:
        """A fresh lease handle (own token) on the group's run lease."""
        return Lease(self.client, self._key("lease", group_id), ttl_ms=ttl_ms)

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


def run_sync_group(runs: GroupRuns, actor: dramatiq.Actor, *, group_id: str, trigger: str, message_id: str,
                   pending_token: str | None, timing: WorkerTiming,
                   plan_refs: list[list[str]] | None = None) -> None:
    """The sync_group actor's body: run under the group's lease, or leave the trigger pending.

    A trigger left pending is answered by a follow-up run of the whole group, whatever plans it named.
    """
    # Bound to the context (cleared by the log-context middleware) so the sync's own lines carry them too.
    structlog.contextvars.bind_contextvars(group_id=group_id, trigger=trigger)
    previous = runs.outcome(message_id)
    if previous is not None and previous.get("status") == "finished":
        log.info("worker.message.duplicate", covered_by=previous.get("message_id"))
        return
    if pending_token is not None and runs.pending_token(group_id) != pending_token:
        log.info("worker.trigger.satisfied")
        return
    lease = runs.lease(group_id, ttl_ms=timing.lease_ttl_ms)
    if not lease.acquire():
        remaining_ms = lease.remaining_ms()
        log.info("worker.lease.busy", remaining_ms=remaining_ms)
        token = pending_token or runs.mark_pending(group_id, waiter=message_id)
        log.info("worker.trigger.coalesced", recheck=token is not None)
        if token is not None:
            # Safety net for an owner that died: look again once its lease must have expired.
            delay_ms = remaining_ms + timing.recheck_margin_ms
            actor.send_with_options(args=(group_id, "coalesced", token), delay=delay_ms)
            log.info("worker.trigger.recheck", delay_ms=delay_ms)
        return
    _run_leased(runs, actor, lease, group_id=group_id, trigger=trigger, message_id=message_id,
                plan_refs=plan_refs)


def _run_leased(runs: GroupRuns, actor: dramatiq.Actor, lease: Lease, *, group_id: str, trigger: str,
                message_id: str, plan_refs: list[list[str]] | None) -> None:
    outcome: dict[str, Any] = {"group_id": group_id, "trigger": trigger, "message_id": message_id}
    covered = [message_id]
    try:
        covered += runs.claim(group_id)
        log.info("worker.lease.acquired", covers=len(covered), ttl_ms=lease.ttl_ms)
        with lease.kept_alive():
            summary = jobs.sync_group(perfectquote_group_id=group_id, trigger=trigger,
                                          plan_refs=plan_refs)
        runs.record_outcome(covered, {**outcome, "status": "finished", "summary": summary})
    except Exception as error:
        runs.record_outcome(covered, {**outcome, "status": "failed",
                                      "error": f"{type(error).__name__}: {error}"})
        raise
    finally:
        if lease.release():
            log.info("worker.lease.released")
        else:
            log.error("worker.lease.lost", key=lease.key)
        if runs.take_pending(group_id):
            actor.send(group_id, "coalesced")
            log.info("worker.trigger.follow_up")
