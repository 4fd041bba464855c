"""The Dramatiq actors on a given broker; bodies call `jobs`, a group's sync through `group_run.run_group`."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
import redis
import structlog
from dramatiq.middleware import CurrentMessage

from config.broker import broker_redis, make_broker
from config.logging import configure_logging, get_logger
from config.settings import Settings, load_settings
from reconciliation.agency import DEFAULT_AGENCY_ID
from worker.runtime import jobs
from worker.runtime.clock import DEFAULT_FEED_CYCLE_S
from worker.runtime.coalesce import GroupRuns
from worker.runtime.cycle_actors import declare_cycle_actors
from worker.runtime.fair_share import FairShares, defer_message
from worker.runtime.group_run import WorkerTiming, run_group
from worker.runtime.process_context import process_contexts

log = get_logger(__name__)

SYNC_QUEUE = "syncs"
DEFAULT_MAX_RUNS = 4


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
    shares: FairShares | None = None


def current_message_id() -> str:
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("an actor body ran outside a worker message (CurrentMessage not installed?)")
    return message.message_id


def declare_actors(broker: dramatiq.Broker, *, client: redis.Redis, namespace: str,
                   timing: WorkerTiming | None = None, feed_cycle_s: int = DEFAULT_FEED_CYCLE_S,
                   shares: FairShares | None = None) -> Actors:
    """Declare every actor on `broker`; leases, pending flags, outcomes and fair shares live in `client`.

    A function rather than import-time decorators: the dramatiq CLI (`worker.runtime.actors:setup`),
    the embedded mode and tests each choose their broker at run time, with no reliance on import order.
    Every message names its agency (`agency_id`); a cycle message without one is the clock's, and becomes
    one message per enabled agency, so that one agency's slow or failing cycle never holds up another's.
    """
    timing = timing or WorkerTiming()
    runs = GroupRuns(client, namespace=namespace)
    shares = shares or FairShares(client, namespace=namespace, max_runs=DEFAULT_MAX_RUNS,
                                  max_calls=DEFAULT_MAX_RUNS)
    @dramatiq.actor(broker=broker, actor_name="sync_group", queue_name=SYNC_QUEUE,
                    time_limit=timing.sync_time_limit_ms, max_retries=timing.max_retries)
    def sync_group(group_id: str, trigger: str, pending_token: str | None = None,
                   plan_refs: list[list[str]] | None = None, agency_id: int = DEFAULT_AGENCY_ID) -> None:
        # Bound for the whole message (the log-context middleware clears them), its last line included.
        structlog.contextvars.bind_contextvars(group_id=group_id, trigger=trigger, agency_id=agency_id)
        with shares.run_turn(agency_id) as turn:
            if not turn:
                defer_message(broker, agency_id=agency_id, max_runs=shares.max_runs)
                return
            run_group(runs.for_agency(agency_id), sync_group,
                      lambda fence: jobs.sync_and_summarize(group_id=group_id, trigger=trigger,
                                                            plan_refs=plan_refs, fence=fence,
                                                            agency_id=agency_id),
                      group_id=group_id, trigger=trigger, timing=timing, message_id=current_message_id(),
                      pending_token=pending_token, agency_id=agency_id)

    cycles = declare_cycle_actors(broker, client=client, namespace=namespace, timing=timing,
                                  feed_cycle_s=feed_cycle_s, sync_group=sync_group)
    return Actors(sync_group=sync_group, feed_cycle=cycles.feed_cycle, daily_full=cycles.daily_full,
                  refresh_accounts=cycles.refresh_accounts, carrier_cycle=cycles.carrier_cycle,
                  sweep_pending=cycles.sweep_pending, runs=runs, timing=timing, feed_cycle_s=feed_cycle_s,
                  shares=shares)


_declared: dict[str, Actors] = {}


def setup(settings: Settings | None = None, *, namespace: str = "plansync") -> Actors:
    """The `dramatiq` entry point of a worker process: its logging, its broker, the actors."""
    settings = settings or load_settings()
    configure_logging(level=settings.log_level)
    return _declare(settings, namespace=namespace)


def _declare(settings: Settings, *, namespace: str) -> Actors:
    broker = make_broker(settings, namespace=namespace)
    client = broker_redis(broker, settings)
    contexts = process_contexts()
    shares = FairShares(client, namespace=namespace, max_runs=settings.agency_max_runs,
                        max_calls=settings.agency_max_benefitpoint_calls,
                        agencies_enabled=contexts.enabled_count)
    contexts.use_call_slots(shares.call_slot)
    _declared[namespace] = declare_actors(broker, client=client, namespace=namespace,
                                          feed_cycle_s=settings.feed_cycle_s, shares=shares)
    return _declared[namespace]


def current_actors(namespace: str = "plansync") -> Actors:
    """The actors of this process, declared on first use; logging stays as the process set it."""
    return _declared.get(namespace) or _declare(load_settings(), namespace=namespace)
