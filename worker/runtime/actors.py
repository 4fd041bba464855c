"""The Dramatiq actors on a given broker; bodies call `jobs`, a group's sync through `group_run.run_group`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
import redis
import structlog
from dramatiq.middleware import CurrentMessage

from config.broker import broker_redis, make_broker
from config.logging import configure_logging, get_logger
from config.settings import Settings, load_settings
from worker.runtime import jobs
from worker.runtime.clock import DEFAULT_FEED_CYCLE_S, clock_cycles
from worker.runtime.coalesce import GroupRuns
from worker.runtime.group_run import WorkerTiming, run_group

log = get_logger(__name__)

SYNC_QUEUE = "syncs"
CYCLE_QUEUE = "cycles"
CYCLE_DONE_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Actors:
    """The declared actors (send messages through these), the group-run bookkeeping and the timing."""

    sync_group: dramatiq.Actor
    feed_cycle: dramatiq.Actor
    daily_full: dramatiq.Actor
    refresh_accounts: dramatiq.Actor
    carrier_cycle: dramatiq.Actor
    sweep_pending: dramatiq.Actor
    runs: GroupRuns
    timing: WorkerTiming
    feed_cycle_s: int = DEFAULT_FEED_CYCLE_S


def current_message_id() -> str:
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("an actor body ran outside a worker message (CurrentMessage not installed?)")
    return message.message_id


def declare_actors(broker: dramatiq.Broker, *, client: redis.Redis, namespace: str,
                   timing: WorkerTiming | None = None, feed_cycle_s: int = DEFAULT_FEED_CYCLE_S) -> Actors:
    """Declare every actor on `broker`; leases, pending flags and outcomes live in `client`.

    A function rather than import-time decorators: the dramatiq CLI (`worker.runtime.actors:setup`),
    the embedded mode and tests each choose their broker at run time, with no reliance on import order.
    """
    timing = timing or WorkerTiming()
    runs = GroupRuns(client, namespace=namespace)
    # A cycle message older than its period is stale: the clock has sent the next one.
    period_ms = {spec.name: spec.period_s * 1000 for spec in clock_cycles(feed_cycle_s=feed_cycle_s)}

    def cycle_done(cycle: str, slot: str) -> bool:
        # A redelivered cycle message (ack lost) must not enqueue its groups a second time.
        return client.exists(f"{namespace}:cycle-done:{cycle}:{slot}") > 0

    def mark_done(cycle: str, slot: str) -> None:
        client.set(f"{namespace}:cycle-done:{cycle}:{slot}", "1", ex=CYCLE_DONE_TTL_S)

    def enqueue_groups(cycle: str, slot: str, plan: jobs.CyclePlan) -> None:
        group_ids = list(plan.group_ids)
        for group_id in group_ids:
            sync_group.send(group_id, cycle, None, plan.plan_refs.get(group_id))
        mark_done(cycle, slot)
        log.info("worker.cycle.finished", cycle=cycle, slot=slot, groups=len(group_ids))

    @dramatiq.actor(broker=broker, actor_name="sync_group", queue_name=SYNC_QUEUE,
                    time_limit=timing.sync_time_limit_ms, max_retries=timing.max_retries)
    def sync_group(group_id: str, trigger: str, pending_token: str | None = None,
                   plan_refs: list[list[str]] | None = None) -> None:
        # Bound for the whole message (the log-context middleware clears them), its last line included.
        structlog.contextvars.bind_contextvars(group_id=group_id, trigger=trigger)
        run_group(runs, sync_group,
                  lambda fence: jobs.sync_and_summarize(group_id=group_id, trigger=trigger,
                                                        plan_refs=plan_refs, fence=fence),
                  group_id=group_id, trigger=trigger, timing=timing, message_id=current_message_id(),
                  pending_token=pending_token)

    def cycle_actor(cycle: str, actor_name: str) -> dramatiq.Actor:
        def body(slot: str) -> None:
            if cycle_done(cycle, slot):
                log.info("worker.cycle.already_done", cycle=cycle, slot=slot)
                return
            # The feed cycle commits its pending work with the watermarks before it nudges any group.
            plan = jobs.feed_cycle() if cycle == "feed" else jobs.daily_full()
            enqueue_groups(cycle, slot, plan)
            plan.confirm()

        return dramatiq.actor(body, broker=broker, actor_name=actor_name, queue_name=CYCLE_QUEUE,
                              time_limit=timing.cycle_time_limit_ms, max_retries=timing.max_retries,
                              max_age=period_ms[cycle])

    @dramatiq.actor(broker=broker, actor_name="carrier_cycle", queue_name=CYCLE_QUEUE,
                    time_limit=timing.cycle_time_limit_ms, max_retries=timing.max_retries,
                    max_age=period_ms["carrier"])
    def carrier_cycle(slot: str) -> None:
        if cycle_done("carrier", slot):
            log.info("worker.cycle.already_done", cycle="carrier", slot=slot)
            return
        summary: dict[str, Any] = jobs.carrier_cycle()
        mark_done("carrier", slot)
        log.info("worker.cycle.finished", cycle="carrier", slot=slot, summary=summary)

    @dramatiq.actor(broker=broker, actor_name="sweep_pending", queue_name=CYCLE_QUEUE,
                    time_limit=timing.cycle_time_limit_ms, max_retries=0, max_age=period_ms["sweep"])
    def sweep_pending(slot: str) -> None:
        # Pending work in the database whose nudge was lost (a wiped broker) or whose retry is due.
        group_ids = jobs.sweep_pending()
        for group_id in group_ids:
            sync_group.send(group_id, "sweep", None, [])
        log.info("worker.pending.swept", slot=slot, groups=len(group_ids))

    @dramatiq.actor(broker=broker, actor_name="refresh_accounts", queue_name=CYCLE_QUEUE,
                    time_limit=timing.cycle_time_limit_ms, max_retries=timing.max_retries)
    def refresh_accounts() -> None:
        log.info("worker.accounts.refreshed", accounts=jobs.refresh_accounts())

    return Actors(sync_group=sync_group, feed_cycle=cycle_actor("feed", "feed_cycle"),
                  daily_full=cycle_actor("daily", "daily_full"), refresh_accounts=refresh_accounts,
                  carrier_cycle=carrier_cycle, sweep_pending=sweep_pending, runs=runs, timing=timing,
                  feed_cycle_s=feed_cycle_s)


_declared: dict[str, Actors] = {}


def setup(settings: Settings | None = None, *, namespace: str = "plansync") -> Actors:
    """The `dramatiq` entry point of a worker process: its logging, its broker, the actors."""
    settings = settings or load_settings()
    configure_logging(level=settings.log_level)
    return _declare(settings, namespace=namespace)


def _declare(settings: Settings, *, namespace: str) -> Actors:
    broker = make_broker(settings, namespace=namespace)
    _declared[namespace] = declare_actors(broker, client=broker_redis(broker, settings), namespace=namespace,
                                          feed_cycle_s=settings.feed_cycle_s)
    return _declared[namespace]


def current_actors(namespace: str = "plansync") -> Actors:
    """The actors of this process, declared on first use; logging stays as the process set it."""
    return _declared.get(namespace) or _declare(load_settings(), namespace=namespace)
