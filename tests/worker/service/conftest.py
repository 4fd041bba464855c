"""End-to-end fixtures: the three sandboxes over real HTTP, a migrated database, a SyncContext."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.logging import configure_logging
from config.migrate import upgrade_database
from config.secrets import new_key
from config.settings import Settings, load_settings
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from reconciliation.states import RunOutcome
from tests.worker.service.world import World
from worker.runtime import jobs
from worker.runtime.context import build_context
from worker.runtime.jobs import plan_systems
from worker.runtime.process_context import set_context
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

# Failures in these tests are the sandboxes' answers, not network trouble: fail fast.
FAST_SETTINGS = {"RETRY_MAX_ATTEMPTS": "2", "RETRY_MAX_TOTAL_S": "2", "RETRY_AFTER_CAP_S": "0.1",
                 "HTTP_TIMEOUT_S": "5"}


@pytest.fixture
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(rate_limit=False) as running:
        yield running


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file brought to the latest schema; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "plansync.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def make_world(sandboxes: Sandboxes, database_url: str, **env: str) -> World:
    """The product against `sandboxes` on an already migrated database; `env` adds settings."""
    env = {**sandboxes.environment(), **FAST_SETTINGS, "DATABASE_URL": database_url, **env}
    settings = load_settings(env)
    return World(sandboxes=sandboxes, context=build_context(settings))


def sqlite_copy(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "plansync.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def world(sandboxes: Sandboxes, migrated_template: Path, tmp_path: Path) -> Iterator[World]:
    """The product on SQLite against fresh sandboxes; most tests need nothing else."""
    built = make_world(sandboxes, sqlite_copy(migrated_template, tmp_path))
    yield built
    built.close()


@pytest.fixture
def any_world(sandboxes: Sandboxes, database_url: str) -> Iterator[World]:
    """The same, once on SQLite and once on PostgreSQL, each migrated here from empty."""
    upgrade_database(database_url)
    built = make_world(sandboxes, database_url)
    yield built
    built.close()


@pytest.fixture
def cli_world(world: World) -> Iterator[World]:
    """The world installed as the process context, so CLI commands run against it.

    Log lines go to a buffer of their own: `--json` output is then one document, as in a terminal
    where the logs are redirected.
    """
    configure_logging(level="info", stream=io.StringIO())
    set_context(world.context)
    yield world
    set_context(None)
    configure_logging(level="info")


@pytest.fixture
def synced(world: World) -> dict[str, str]:
    """The demo group connected, every plan chosen for, and synced once; the link ids by role."""
    links = world.choose_standard()
    report = world.sync()
    assert report.outcome is RunOutcome.SUCCEEDED, report.as_dict()
    return links


# The agency and catalogue tests: a migrated database, a secret key, the environment's agency.
@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def key_env() -> dict[str, str]:
    return {"PLANSYNC_SECRET_KEY": new_key()}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings({"DATABASE_URL": database_url, "PERFECTQUOTE_URL": "https://pq.env.example/api/v1",
                          "PERFECTQUOTE_TOKEN": "env-token", "CARRIER_EXCHANGE_URL": "https://ex.env.example"})


def nudged_runs(world: World) -> list[RunReport]:
    """One feed cycle and the nudged runs it causes, as the worker runs them; each must succeed."""
    plan, sessions = jobs.feed_cycle(), world.context.sessions
    reports = [sync_group(sessions=sessions, systems=plan_systems(world.context), group_id=group,
                          trigger="feed", pending=True)
               for group in plan.group_ids]
    assert all(report.outcome is RunOutcome.SUCCEEDED for report in reports), [r.as_dict() for r in reports]
    return reports


@pytest.fixture
def fed(world: World, synced: dict[str, str]) -> Iterator[dict[str, str]]:
    """The synced demo group, and a first feed cycle behind it (the feeds read from their start)."""
    set_context(world.context)
    nudged_runs(world)
    yield synced
    set_context(None)
