"""End-to-end fixtures: sandboxes on free ports, a fresh PostgreSQL schema, the real Redis, real actors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import dramatiq
import pytest
import redis
import structlog
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from config.broker import make_broker, make_redis
from config.logging import configure_logging
from config.migrate import upgrade_database
from config.settings import Settings, load_settings
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from tests.conftest import REDIS_URL
from tests.e2e.harness import TIMING
from tests.e2e.world import E2E_TIMING, SandboxTime
from tests.worker.runtime.conftest import drop_namespace
from worker.runtime import actors as actors_module
from worker.runtime.actors import SYNC_QUEUE, Actors, declare_actors
from worker.runtime.context import SyncContext, build_context
from worker.runtime.cycle_actors import CYCLE_QUEUE
from worker.runtime.process_context import set_context


@dataclass(kw_only=True)
class World:
    """What a test drives: the sandboxes, the settings (also as environment), this process's context."""

    sandboxes: Sandboxes
    env: dict[str, str]
    settings: Settings
    context: SyncContext
    namespace: str
    client: redis.Redis
    bp_time: SandboxTime


@pytest.fixture
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(rate_limit=False) as running:
        yield running


@pytest.fixture
def e2e_database(postgres_url: str) -> str:
    """The session's PostgreSQL database with a clean schema, migrated to the latest revision."""
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade_database(postgres_url)
    return postgres_url


@pytest.fixture
def world(sandboxes: Sandboxes, e2e_database: str, redis_namespace: str) -> Iterator[World]:
    env = {**sandboxes.environment(), "DATABASE_URL": e2e_database, "REDIS_URL": REDIS_URL,
           "RETRY_MAX_TOTAL_S": "10"}
    settings = load_settings(env)
    context = build_context(settings)
    set_context(context)
    client = make_redis(settings)
    bp_time = SandboxTime.install(sandboxes.benefitpoint_app.state.store)
    try:
        yield World(sandboxes=sandboxes, env=env, settings=settings, context=context,
                    namespace=redis_namespace, client=client, bp_time=bp_time)
    finally:
        set_context(None)
        drop_namespace(client, redis_namespace)
        client.close()


@dataclass(kw_only=True)
class Served:
    """The real actors on a RedisBroker, and a worker in this process serving their queues."""

    actors: Actors
    broker: RedisBroker

    def drain(self, *, timeout_ms: int = 30_000) -> None:
        """Wait until every message is acknowledged: the cycles first, then the syncs they enqueued."""
        self.broker.join(CYCLE_QUEUE, timeout=timeout_ms)
        self.broker.join(SYNC_QUEUE, timeout=timeout_ms)


@pytest.fixture
def served(world: World) -> Iterator[Served]:
    broker = make_broker(world.settings, namespace=world.namespace, client=world.client)
    assert isinstance(broker, RedisBroker)
    declared = declare_actors(broker, client=world.client, namespace=world.namespace, timing=E2E_TIMING)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield Served(actors=declared, broker=broker)
    worker.stop()
    broker.close()


@pytest.fixture
def cli(world: World, served: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """`plansync` commands run in this process, with the world's settings and the served actors."""
    # The command finds this process's actors under the default namespace: point that at this test's own.
    monkeypatch.setitem(actors_module._declared, "plansync", served.actors)
    # Log lines go elsewhere, so the output is what the command itself prints.
    saved = structlog.get_config()
    configure_logging(stream=io.StringIO())
    yield CliRunner(env=world.env)
    structlog.configure(**saved)


@pytest.fixture
def sender(world: World) -> Iterator[Actors]:
    """Actors to send with on the world's Redis namespace, as the real workers see it."""
    broker = make_broker(world.settings, namespace=world.namespace, client=world.client)
    yield declare_actors(broker, client=world.client, namespace=world.namespace, timing=E2E_TIMING)
    broker.close()


@pytest.fixture
def bare_sender(redis_namespace: str) -> Iterator[Actors]:
    """Actors to send with on the real Redis only: no sandboxes, no database (the recording workers)."""
    settings = load_settings({"REDIS_URL": REDIS_URL})
    client = make_redis(settings)
    broker = make_broker(settings, namespace=redis_namespace, client=client)
    yield declare_actors(broker, client=client, namespace=redis_namespace, timing=TIMING)
    broker.close()
    drop_namespace(client, redis_namespace)
    client.close()
