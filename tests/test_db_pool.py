"""Pooled PostgreSQL connections: pinged only after sitting idle, and replaced when the ping fails."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

import config.db
from config.db import make_engine


@pytest.fixture
def engine(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr(config.db, "PING_AFTER_IDLE_S", 0.2)
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_back_moments_ago_is_not_pinged_and_an_idle_one_is(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping",
                        lambda connection: pings.append(connection) or ping(connection))
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first and pings == []
    time.sleep(0.3)
    assert _backend_pid(engine) == first and len(pings) == 1


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(engine: Engine,
                                                                     postgres_url: str) -> None:
    dropped = _backend_pid(engine)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar_one()
    admin.dispose()
    time.sleep(0.3)
    # No statement of the caller's fails: the ping finds the dead connection and the pool opens another.
    assert _backend_pid(engine) != dropped
