"""The cycle actors: the clock's message becomes one per enabled agency; each agency's cycle runs alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
import redis
import structlog

from config.logging import get_logger
from reconciliation.agency import DEFAULT_AGENCY_ID
from worker.runtime import jobs
from worker.runtime.clock import clock_cycles
from worker.runtime.group_run import WorkerTiming

log = get_logger(__name__)

CYCLE_QUEUE = "cycles"
CYCLE_DONE_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True)
class CycleActors:
    feed_cycle: dramatiq.Actor
    daily_full: dramatiq.Actor
    refresh_accounts: dramatiq.Actor
    carrier_cycle: dramatiq.Actor
    sweep_pending: dramatiq.Actor


def done_key(namespace: str, cycle: str, slot: str, agency_id: int) -> str:
    # The default agency keeps the key it had before agencies, so a redelivered old message is known.
    tail = "" if agency_id == DEFAULT_AGENCY_ID else f":agency-{agency_id}"
    return f"{namespace}:cycle-done:{cycle}:{slot}{tail}"


def declare_cycle_actors(broker: dramatiq.Broker, *, client: redis.Redis, namespace: str,
                         timing: WorkerTiming, feed_cycle_s: int, sync_group: dramatiq.Actor) -> CycleActors:
    """The cycles on `broker`; a message without an agency is the clock's, and is sent again once per
    enabled agency, so that one agency's slow, failing or retried cycle never holds up another's."""
    # A cycle message older than its period is stale: the clock has sent the next one.
    period_ms = {spec.name: spec.period_s * 1000 for spec in clock_cycles(feed_cycle_s=feed_cycle_s)}

    def cycle_done(cycle: str, slot: str, agency_id: int) -> bool:
        # A redelivered cycle message (ack lost) must not enqueue its groups a second time.
        return client.exists(done_key(namespace, cycle, slot, agency_id)) > 0

    def mark_done(cycle: str, slot: str, agency_id: int) -> None:
        client.set(done_key(namespace, cycle, slot, agency_id), "1", ex=CYCLE_DONE_TTL_S)

    def fan_out(actor: dramatiq.Actor, cycle: str, slot: str) -> None:
        agencies = jobs.enabled_agencies()
        for agency in agencies:
            actor.send(slot, agency.id)
        log.info("worker.cycle.fanned_out", cycle=cycle, slot=slot, agencies=len(agencies))

    def enqueue_groups(cycle: str, slot: str, agency_id: int, plan: jobs.CyclePlan) -> None:
        group_ids = list(plan.group_ids)
        for group_id in group_ids:
            sync_group.send(group_id, cycle, None, plan.plan_refs.get(group_id), agency_id)
        mark_done(cycle, slot, agency_id)
        log.info("worker.cycle.finished", cycle=cycle, slot=slot, groups=len(group_ids))

    def cycle_actor(cycle: str, actor_name: str) -> dramatiq.Actor:
        def body(slot: str, agency_id: int | None = None) -> None:
            if agency_id is None:
                fan_out(actor, cycle, slot)
                return
            structlog.contextvars.bind_contextvars(agency_id=agency_id)
            if cycle_done(cycle, slot, agency_id):
                log.info("worker.cycle.already_done", cycle=cycle, slot=slot)
                return
            # The feed cycle commits its pending work with the watermarks before it nudges any group.
            plan = jobs.feed_cycle(agency_id) if cycle == "feed" else jobs.daily_full(agency_id)
            enqueue_groups(cycle, slot, agency_id, plan)
            plan.confirm()

        actor: dramatiq.Actor = dramatiq.actor(body, broker=broker, actor_name=actor_name,
                                               queue_name=CYCLE_QUEUE, time_limit=timing.cycle_time_limit_ms,
                                               max_retries=timing.max_retries, max_age=period_ms[cycle])
        return actor

    @dramatiq.actor(broker=broker, actor_name="carrier_cycle", queue_name=CYCLE_QUEUE,
                    time_limit=timing.cycle_time_limit_ms, max_retries=timing.max_retries,
                    max_age=period_ms["carrier"])
    def carrier_cycle(slot: str, agency_id: int | None = None) -> None:
        if agency_id is None:
            fan_out(carrier_cycle, "carrier", slot)
            return
        structlog.contextvars.bind_contextvars(agency_id=agency_id)
        if cycle_done("carrier", slot, agency_id):
            log.info("worker.cycle.already_done", cycle="carrier", slot=slot)
            return
        summary: dict[str, Any] = jobs.carrier_cycle(agency_id)
        mark_done("carrier", slot, agency_id)
        log.info("worker.cycle.finished", cycle="carrier", slot=slot, summary=summary)

    @dramatiq.actor(broker=broker, actor_name="sweep_pending", queue_name=CYCLE_QUEUE,
                    time_limit=timing.cycle_time_limit_ms, max_retries=0, max_age=period_ms["sweep"])
    def sweep_pending(slot: str, agency_id: int | None = None) -> None:
        if agency_id is None:
            fan_out(sweep_pending, "sweep", slot)
            return
        structlog.contextvars.bind_contextvars(agency_id=agency_id)
        # Pending work in the database whose nudge was lost (a wiped broker) or whose retry is due.
        group_ids = jobs.sweep_pending(agency_id)
        for group_id in group_ids:
            sync_group.send(group_id, "sweep", None, [], agency_id)
        log.info("worker.pending.swept", slot=slot, groups=len(group_ids))

    @dramatiq.actor(broker=broker, actor_name="refresh_accounts", queue_name=CYCLE_QUEUE,
                    time_limit=timing.cycle_time_limit_ms, max_retries=timing.max_retries)
    def refresh_accounts(agency_id: int = DEFAULT_AGENCY_ID) -> None:
        structlog.contextvars.bind_contextvars(agency_id=agency_id)
        log.info("worker.accounts.refreshed", accounts=jobs.refresh_accounts(agency_id))

    return CycleActors(feed_cycle=cycle_actor("feed", "feed_cycle"),
                       daily_full=cycle_actor("daily", "daily_full"), refresh_accounts=refresh_accounts,
                       carrier_cycle=carrier_cycle, sweep_pending=sweep_pending)
