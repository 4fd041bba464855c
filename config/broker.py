"""The Dramatiq broker (middleware stack, log context first) and the worker's Redis client, from settings."""

from __future__ import annotations

import dramatiq
import fakeredis
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from dramatiq.middleware.prometheus import Prometheus
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from config.log_context import LogContext
from config.metrics import MultiprocessValues, metrics_port, point_dramatiq_exposition
from config.queue_polling import QueuePolling
from config.settings import Settings

MAX_RETRIES = 5
MIN_BACKOFF_MS = 5_000
MAX_BACKOFF_MS = 10 * 60_000
# Enough attempts to ride out a Redis restart of several seconds instead of losing the call.
REDIS_RETRY_ATTEMPTS = 12
# A killed worker's unacknowledged messages (its run, a recheck it held) come back this long after its
# last heartbeat (sent about every second), at the next maintenance: one broker command in ten
# (MAINTENANCE_CHANCE out of a million) looks, so that a dead worker's group runs again within a minute.
HEARTBEAT_TIMEOUT_MS = 15_000
MAINTENANCE_CHANCE = 100_000

_embedded_server = fakeredis.FakeServer()


def middleware_list(*, poll_ms: int, max_retries: int = MAX_RETRIES) -> list[Middleware]:
    """The explicit middleware stack: log context first so every other hook runs inside it."""
    return [
        LogContext(),
        QueuePolling(poll_ms=poll_ms),
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=max_retries, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
        CurrentMessage(),
    ]


def make_redis(settings: Settings) -> redis.Redis:
    """A Redis client that retries through short outages; in embedded mode an in-process fake."""
    if settings.redis_url is None:
        return fakeredis.FakeRedis(server=_embedded_server)
    return redis.Redis.from_url(
        settings.redis_url,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), REDIS_RETRY_ATTEMPTS),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        health_check_interval=30,
    )


def make_broker(
    settings: Settings,
    *,
    namespace: str = "plansync",
    client: redis.Redis | None = None,
    heartbeat_timeout_ms: int = HEARTBEAT_TIMEOUT_MS,
    maintenance_chance: int = MAINTENANCE_CHANCE,
) -> dramatiq.Broker:
    """RedisBroker when REDIS_URL is set, else the in-process StubBroker; also set as the global broker.

    `maintenance_chance` (out of a million commands) is how often a broker call requeues the unacked
    messages of workers whose heartbeat stopped.
    """
    if settings.redis_url is None:
        broker: dramatiq.Broker = StubBroker(middleware=middleware_list(poll_ms=settings.worker_poll_ms))
    else:
        # METRICS_PORT set: Dramatiq's exposition server (its metrics and plansync's, every process's).
        exported = metrics_port() is not None
        if exported:
            point_dramatiq_exposition()
        broker = RedisBroker(
            client=client or make_redis(settings),
            namespace=namespace,
            middleware=(middleware_list(poll_ms=settings.worker_poll_ms)
                        + ([Prometheus(), MultiprocessValues()] if exported else [])),
            heartbeat_timeout=heartbeat_timeout_ms,
            maintenance_chance=maintenance_chance,
        )
    dramatiq.set_broker(broker)
    return broker


def broker_redis(broker: dramatiq.Broker, settings: Settings) -> redis.Redis:
    """The Redis the worker's own keys (leases, slots, outcomes) live in: the broker's own when it has one."""
    client = getattr(broker, "client", None)
    return client if isinstance(client, redis.Redis) else make_redis(settings)
