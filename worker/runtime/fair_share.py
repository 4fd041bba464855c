"""Fair shares between agencies: per agency, a cap on runs and on BenefitPoint calls at once, on Redis,
held while more than one agency is enabled."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import dramatiq
import redis
from dramatiq.middleware import CurrentMessage
from dramatiq.rate_limits import ConcurrentRateLimiter
from dramatiq.rate_limits.backends import RedisBackend

from config.logging import get_logger

log = get_logger(__name__)

# A slot outlives a killed worker by at most this long; a run still going after it stops counting.
RUN_SLOT_TTL_MS = 120_000
CALL_SLOT_TTL_MS = 60_000
# A call waits this long for a slot, then goes ahead (logged): a share is fairness, never a stall.
CALL_SLOT_WAIT_S = 30.0
# An agency at its share of runs sends the message back this much later.
DEFER_MIN_MS = 500
DEFER_MAX_MS = 2_000
_FIRST_POLL_S = 0.005
_LAST_POLL_S = 0.1
# How long a count of the enabled agencies is taken as true: enabling a second one caps within it.
AGENCIES_RECOUNT_S = 30.0


class FairShares:
    """The caps of every agency, shared by every worker process through Redis."""

    def __init__(self, client: redis.Redis, *, namespace: str, max_runs: int, max_calls: int,
                 agencies_enabled: Callable[[], int] | None = None,
                 recount_s: float = AGENCIES_RECOUNT_S) -> None:
        self._backend = RedisBackend(client=client)
        self._namespace = namespace
        self.max_runs = max_runs
        self.max_calls = max_calls
        self._agencies_enabled = agencies_enabled
        self._recount_s = recount_s
        self._lock = threading.Lock()
        self._counted: tuple[float, bool] | None = None

    def shared(self) -> bool:
        """Whether more than one agency is enabled (None counts as many). An agency alone has nobody to
        share with: a cap would only leave worker threads idle and send its runs round the delay queue."""
        if self._agencies_enabled is None:
            return True
        with self._lock:
            now = time.monotonic()
            if self._counted is None or now - self._counted[0] >= self._recount_s:
                self._counted = (now, self._agencies_enabled() > 1)
            return self._counted[1]

    @contextmanager
    def run_turn(self, agency_id: int) -> Iterator[bool]:
        """Whether a run of the agency may go now (False: it is at its share); the turn lasts the block."""
        if not self.shared():
            yield True
            return
        with self.run_slot(agency_id).acquire(raise_on_failure=False) as acquired:
            yield acquired

    def run_slot(self, agency_id: int) -> ConcurrentRateLimiter:
        """Held by a group's run: an agency at `max_runs` runs defers its next one."""
        return ConcurrentRateLimiter(self._backend, f"{self._namespace}:agency-runs:{agency_id}",
                                     limit=self.max_runs, ttl=RUN_SLOT_TTL_MS)

    def call_slot(self, agency_id: int, *,
                  wait_s: float = CALL_SLOT_WAIT_S) -> Callable[[], AbstractContextManager[object]]:
        """What the agency's BenefitPoint connector holds around each request."""
        limiter = ConcurrentRateLimiter(self._backend, f"{self._namespace}:agency-calls:{agency_id}",
                                        limit=self.max_calls, ttl=CALL_SLOT_TTL_MS)

        @contextmanager
        def slot() -> Iterator[None]:
            if not self.shared():
                yield
                return
            deadline = time.monotonic() + wait_s
            pause_s = _FIRST_POLL_S
            while True:
                with limiter.acquire(raise_on_failure=False) as acquired:
                    if acquired or time.monotonic() >= deadline:
                        if not acquired:
                            log.warning("worker.agency.call_slot_waited", agency_id=agency_id,
                                        waited_s=wait_s)
                        yield
                        return
                time.sleep(pause_s)
                pause_s = min(pause_s * 2, _LAST_POLL_S)

        return slot


def defer_message(broker: dramatiq.Broker, *, agency_id: int, max_runs: int) -> None:
    """The agency runs its share of groups already: this message waits a moment and comes back, under the
    same message id, so that whoever waits on it (`plansync sync --wait`) still gets its outcome."""
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("an actor body ran outside a worker message (CurrentMessage not installed?)")
    delay_ms = random.randint(DEFER_MIN_MS, DEFER_MAX_MS)
    broker.enqueue(message.copy(), delay=delay_ms)
    log.info("worker.agency.at_capacity", agency_id=agency_id, max_runs=max_runs, delay_ms=delay_ms)
