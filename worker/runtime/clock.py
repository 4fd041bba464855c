"""The clock process: enqueues each cycle once per slot, even with two clocks, and catches up at start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from config.logging import get_logger

log = get_logger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class CycleSpec:
    """A cycle fires every `period_s`, at `offset_s` past each multiple of the period since the epoch."""

    name: str
    period_s: int
    offset_s: int = 0

    def __post_init__(self) -> None:
        if self.period_s <= 0 or not 0 <= self.offset_s < self.period_s:
            raise ValueError(f"cycle {self.name!r}: period_s={self.period_s} must be > 0 and "
                             f"offset_s={self.offset_s} within [0, period_s)")


DEFAULT_FEED_CYCLE_S = 60
DAILY_CYCLE = CycleSpec(name="daily", period_s=86_400, offset_s=2 * 3600)
CARRIER_CYCLE = CycleSpec(name="carrier", period_s=900)
# Every minute: pending work in the database whose nudge was lost, or whose retry is due, is sent again.
SWEEP_CYCLE = CycleSpec(name="sweep", period_s=60)


def clock_cycles(*, feed_cycle_s: int = DEFAULT_FEED_CYCLE_S) -> tuple[CycleSpec, ...]:
    """The feed cycle every `feed_cycle_s`, the daily full reconcile, the carrier cycle, the sweep."""
    return (CycleSpec(name="feed", period_s=feed_cycle_s), DAILY_CYCLE, CARRIER_CYCLE, SWEEP_CYCLE)


def slot_start(spec: CycleSpec, now: datetime) -> datetime:
    """The latest scheduled time of `spec` at or before `now` (UTC): the slot a firing belongs to."""
    if now.tzinfo is None:
        raise ValueError(f"slot_start needs an aware datetime, got naive {now.isoformat()}")
    elapsed_s = int((now - EPOCH).total_seconds()) - spec.offset_s
    return EPOCH + timedelta(seconds=elapsed_s // spec.period_s * spec.period_s + spec.offset_s)


class Clock:
    """Enqueues through `enqueue(cycle_name, slot_iso)`; slot and last-slot keys live in Redis."""

    def __init__(self, client: redis.Redis, *, namespace: str, enqueue: Callable[[str, str], None],
                 cycles: Sequence[CycleSpec] | None = None) -> None:
        self.client = client
        self.namespace = namespace
        self.enqueue = enqueue
        self.cycles = clock_cycles() if cycles is None else tuple(cycles)

    def _key(self, kind: str, spec: CycleSpec, slot: str = "") -> str:
        return f"{self.namespace}:clock:{kind}:{spec.name}" + (f":{slot}" if slot else "")

    def fire(self, spec: CycleSpec, *, now: datetime) -> bool:
        """Enqueue the cycle for the slot `now` falls in, unless another clock already did."""
        slot = slot_start(spec, now).isoformat()
        slot_key = self._key("slot", spec, slot)
        if not self.client.set(slot_key, "1", nx=True, ex=2 * spec.period_s + 3600):
            log.info("clock.slot_taken", cycle=spec.name, slot=slot)
            return False
        try:
            self.enqueue(spec.name, slot)
        except Exception as error:
            # Give the slot back so a restarted clock catches it up instead of skipping it.
            self.client.delete(slot_key)
            log.error("clock.enqueue_failed", cycle=spec.name, slot=slot, error=str(error))
            raise
        self.client.set(self._key("last", spec), slot)
        log.info("clock.enqueued", cycle=spec.name, slot=slot)
        return True

    def last_slot(self, spec: CycleSpec) -> datetime | None:
        raw = self.client.get(self._key("last", spec))
        return None if raw is None else datetime.fromisoformat(raw.decode())

    def catch_up(self, *, now: datetime) -> list[str]:
        """At start: enqueue each cycle whose last enqueued slot is older than the current one."""
        caught: list[str] = []
        for spec in self.cycles:
            last = self.last_slot(spec)
            current = slot_start(spec, now)
            if last is None or last < current:
                log.info("clock.catch_up", cycle=spec.name, slot=current.isoformat(),
                         last_slot=None if last is None else last.isoformat())
                if self.fire(spec, now=now):
                    caught.append(spec.name)
        return caught

    def scheduler(self, scheduler_cls: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
        """An APScheduler with one job per cycle, firing on the cycle's aligned times."""
        scheduler = scheduler_cls(timezone=UTC)
        for spec in self.cycles:
            first = EPOCH + timedelta(seconds=spec.offset_s)
            trigger = IntervalTrigger(seconds=spec.period_s, start_date=first, timezone=UTC)
            scheduler.add_job(self._fire_now, trigger, args=(spec,), id=f"cycle:{spec.name}",
                              coalesce=True, max_instances=1, misfire_grace_time=max(spec.period_s // 2, 1))
        return scheduler

    def _fire_now(self, spec: CycleSpec) -> None:
        self.fire(spec, now=datetime.now(UTC))

    def run(self) -> None:
        """The clock process: catch up, then block firing cycles on schedule."""
        log.info("clock.started", cycles=[spec.name for spec in self.cycles])
        self.catch_up(now=datetime.now(UTC))
        self.scheduler().start()
