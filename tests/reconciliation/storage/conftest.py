"""Storage fixtures: a migrated database on each backend, and sessions on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.migrate import upgrade_database
from reconciliation.records import Group
from reconciliation.storage import repository as repo


@pytest.fixture
def migrated_url(database_url: str) -> str:
    upgrade_database(database_url)
    return database_url


@pytest.fixture
def session_factory(migrated_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(migrated_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session(session_factory: sessionmaker) -> Iterator[Session]:
    with session_factory() as opened:
        yield opened


@pytest.fixture
def connect(session: Session) -> Callable[..., Group]:
    """Connect group grp_<n> to account 48200+<n>, committed."""

    def _connect(number: int = 1) -> Group:
        group = repo.connect_group(
            session,
            group_id=f"grp_{number:03d}",
            group_name=f"Employer {number}",
            account_id=48200 + number,
            account_name=f"Employer {number} Inc",
        )
        session.commit()
        return group

    return _connect
