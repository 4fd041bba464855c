"""Fixtures for the carrier tests: the exchange sandbox over real HTTP, a migrated database, enrollment."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.migrate import upgrade_database
from connectors.perfectquote.records import EnrollmentChange, Member
from reconciliation.storage.tables import GroupRow
from tests.connectors.exchange.conftest import Exchange, serve_exchange


@pytest.fixture
def exchange() -> Iterator[Exchange]:
    with serve_exchange() as running:
        yield running


def migrated_factory(url: str) -> sessionmaker[Session]:
    upgrade_database(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(GroupRow(id=1, perfectquote_group_id="grp_001", perfectquote_group_name="Acme Widgets",
                             benefitpoint_account_id="48201", benefitpoint_account_name="Acme Widgets",
                             conflict_policy="source_of_truth_wins"))
    return factory


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker[Session]:
    return migrated_factory(sqlite_url)


def member_change(member_id: str, *, ssn: str = "123-45-6789", kind: str = "add",
                  first_name: str = "Dana", last_name: str = "Whitfield",
                  date_of_birth: date = date(1984, 7, 19)) -> EnrollmentChange:
    return EnrollmentChange(
        id=f"enc_{member_id}_{kind}", kind=kind,
        member=Member(member_id=member_id, relationship="subscriber", first_name=first_name,
                      last_name=last_name, ssn=ssn, date_of_birth=date_of_birth),
        plan_id="pln_1", coverage_level="EE", effective_date=date(2026, 4, 1),
        recorded_at="2026-03-01T00:00:00Z")


class ListEnrollment:
    """An in-memory enrollment source: the watermark is how many changes have been read."""

    def __init__(self, changes: Sequence[EnrollmentChange] = ()) -> None:
        self.changes = list(changes)
        self.calls: list[tuple[str, str | None]] = []

    def enrollment_changes(self, group_id: str, since: str | None) -> tuple[list[EnrollmentChange], str]:
        self.calls.append((group_id, since))
        start = int(since or 0)
        return self.changes[start:], str(len(self.changes))


def transmissions(exchange: Exchange) -> list[dict[str, Any]]:
    return list(exchange.store.transmissions.values())
