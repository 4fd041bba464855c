"""Running one group's sync under its lease: the one path of every run, queued or `plansync sync --here`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import dramatiq
import structlog

from config.logging import get_logger
from reconciliation.agency import DEFAULT_AGENCY_ID
from worker.runtime.coalesce import Begun, GroupRuns
from worker.runtime.lease import Lease
from worker.service.run_fence import FenceSource

log = get_logger(__name__)
T = TypeVar("T")


LEASE_TTL_MS = 20_000


@dataclass(frozen=True, kw_only=True)
class WorkerTiming:
    """Time limits, the group lease and retry bounds.

    The lease is a heartbeat, not a time limit: it lives `lease_ttl_ms` and the running job renews it
    every third of that, so a dead worker's group is free again within `lease_ttl_ms`, and a trigger
    that found the group busy looks again then (`recheck_margin_ms` later). Dramatiq's
    `sync_time_limit_ms` bounds the run itself.
    """

    sync_time_limit_ms: int = 30 * 60_000
    lease_ttl_ms: int = LEASE_TTL_MS
    recheck_margin_ms: int = 1_000
    cycle_time_limit_ms: int = 10 * 60_000
    max_retries: int = 5


class GroupBusy(RuntimeError):
    """Another run holds the group's lease, and the caller has no trigger message to leave pending."""

    def __init__(self, group_id: str, *, remaining_ms: int) -> None:
        super().__init__(f"group {group_id} is being synced by another run ({remaining_ms} ms left)")
        self.group_id = group_id
        self.remaining_ms = remaining_ms


Sync = Callable[[FenceSource], T]


@overload
def run_group(runs: GroupRuns, actor: dramatiq.Actor, sync: Sync[T], *, group_id: str, trigger: str,
              timing: WorkerTiming, agency_id: int = DEFAULT_AGENCY_ID) -> T: ...


@overload
def run_group(runs: GroupRuns, actor: dramatiq.Actor, sync: Sync[T], *, group_id: str, trigger: str,
              timing: WorkerTiming, message_id: str, pending_token: str | None = None,
              agency_id: int = DEFAULT_AGENCY_ID) -> T | None: ...


def run_group(runs: GroupRuns, actor: dramatiq.Actor, sync: Sync[T], *, group_id: str, trigger: str,
              timing: WorkerTiming, message_id: str | None = None,
              pending_token: str | None = None, agency_id: int = DEFAULT_AGENCY_ID) -> T | None:
    """Run `sync` under the group's lease; return what it returned, or None when the message needed no run.

    `sync` is handed the run's fence source: the tokens it takes with the lease (and registers in the
    database) make any older run of the group, one whose lease lapsed while it was stopped, write nothing
    more.

    With a trigger message (`message_id`, the sync_group actor): a redelivered message whose run finished
    and a recheck whose trigger was answered do nothing, a busy group leaves the trigger pending, and the
    outcome is recorded under every message the run covers (what `sync --wait` reads). Without one
    (`sync --here`), a busy group raises GroupBusy. Either way the lease is renewed while `sync` runs and
    released by compare-and-delete, and triggers left pending meanwhile get exactly one follow-up run
    (of the whole group, whatever plans they named). `runs` are the agency's (`GroupRuns.for_agency`);
    the messages sent from here name `agency_id`.
    """
    with structlog.contextvars.bound_contextvars(group_id=group_id, trigger=trigger):
        lease = runs.lease(group_id, ttl_ms=timing.lease_ttl_ms)
        begun = _begin(runs, group_id, lease, message_id=message_id, pending_token=pending_token)
        if begun.answered:
            return None
        if not begun.acquired:
            _busy(runs, actor, group_id, remaining_ms=begun.remaining_ms, timing=timing,
                  message_id=message_id, pending_token=pending_token, agency_id=agency_id)
            return None
        # A run with no message of its own leaves waiting triggers to the follow-up, which answers them.
        covered = [] if message_id is None else [message_id, *begun.waiters]
        outcome: dict[str, Any] | None = None
        try:
            log.info("worker.lease.acquired", covers=len(covered), ttl_ms=lease.ttl_ms)
            with lease.kept_alive():
                result = sync(runs.fence(group_id, lease, issued=begun.token))
            outcome = {"status": "finished", "summary": result}
            return result
        except Exception as error:
            outcome = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
            raise
        finally:
            answered = None if outcome is None else {"group_id": group_id, "trigger": trigger,
                                                     "message_id": message_id, **outcome}
            released, follow_up = runs.end(group_id, lease, covered=covered, outcome=answered)
            if released:
                log.info("worker.lease.released")
            else:
                log.error("worker.lease.lost", key=lease.key)
            if follow_up:
                actor.send_with_options(args=(group_id, "coalesced"), kwargs={"agency_id": agency_id})
                log.info("worker.trigger.follow_up")


def _begin(runs: GroupRuns, group_id: str, lease: Lease, *, message_id: str | None,
           pending_token: str | None) -> Begun:
    """The run's start; a message already answered (redelivered after its run finished, or a recheck a
    later run satisfied) is logged. A message whose earlier run failed runs again."""
    begun = runs.begin(group_id, lease, message_id=message_id, pending_token=pending_token)
    if begun.previous is not None and begun.previous.get("status") != "finished":
        begun = runs.begin(group_id, lease, message_id=message_id, pending_token=pending_token,
                           check_answered=False)
    if begun.previous is not None:
        log.info("worker.message.duplicate", covered_by=begun.previous.get("message_id"))
    elif begun.answered:
        log.info("worker.trigger.satisfied")
    return begun


def _busy(runs: GroupRuns, actor: dramatiq.Actor, group_id: str, *, remaining_ms: int, timing: WorkerTiming,
          message_id: str | None, pending_token: str | None, agency_id: int) -> None:
    """Leave a trigger message pending (one follow-up answers it); with no message, raise GroupBusy."""
    if message_id is None:
        raise GroupBusy(group_id, remaining_ms=remaining_ms)
    log.info("worker.lease.busy", remaining_ms=remaining_ms)
    token = pending_token or runs.mark_pending(group_id, waiter=message_id)
    log.info("worker.trigger.coalesced", recheck=token is not None)
    if token is not None:
        # Safety net for an owner that died: look again once its lease must have expired.
        delay_ms = remaining_ms + timing.recheck_margin_ms
        actor.send_with_options(args=(group_id, "coalesced", token), kwargs={"agency_id": agency_id},
                                delay=delay_ms)
        log.info("worker.trigger.recheck", delay_ms=delay_ms)
