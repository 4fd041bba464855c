"""Stored agencies: their settings, and their secrets as Fernet tokens sealed by the caller's box."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.secrets import SecretBox
from reconciliation.agency import SECRET_FIELDS, Agency, AgencyCredentials, AgencyListing
from reconciliation.storage.agency_scope import EVERY_AGENCY_OPTION
from reconciliation.storage.errors import RecordNotFound, StorageError
from reconciliation.storage.tables import AgencyRow, GroupRow


class AgencyExists(StorageError):
    """An agency of that name is stored already."""


def listing_value(row: AgencyRow) -> AgencyListing:
    return AgencyListing(
        id=row.id, name=row.name, perfectquote_url=row.perfectquote_url,
        benefitpoint_url=row.benefitpoint_url, benefitpoint_username=row.benefitpoint_username,
        benefitpoint_link_field_id=row.benefitpoint_link_field_id,
        benefitpoint_rates_writable=row.benefitpoint_rates_writable,
        carrier_exchange_url=row.carrier_exchange_url,
        secrets_set=frozenset(name for name in SECRET_FIELDS if getattr(row, name)),
        disabled_at=row.disabled_at, created_at=row.created_at,
    )


def agency_value(row: AgencyRow, *, box: SecretBox, exchange_url: str) -> Agency:
    """The agency with its secrets opened; `exchange_url` stands in for an exchange URL not stored."""
    opened = {name: box.open(token, agency=row.name) if (token := getattr(row, name)) else ""
              for name in SECRET_FIELDS}
    return Agency(
        id=row.id, name=row.name, perfectquote_url=row.perfectquote_url or "",
        benefitpoint_url=row.benefitpoint_url or "", benefitpoint_username=row.benefitpoint_username or "",
        benefitpoint_link_field_id=row.benefitpoint_link_field_id or 0,
        benefitpoint_rates_writable=bool(row.benefitpoint_rates_writable),
        carrier_exchange_url=row.carrier_exchange_url or exchange_url,
        disabled=row.disabled_at is not None,
        credentials=AgencyCredentials(**opened),
    )


def agency_rows(session: Session) -> list[AgencyRow]:
    return list(session.scalars(select(AgencyRow).order_by(AgencyRow.name)))


def agency_row(session: Session, name: str) -> AgencyRow:
    row = session.scalars(select(AgencyRow).where(AgencyRow.name == name)).one_or_none()
    if row is None:
        raise RecordNotFound(f"no agency named {name!r}")
    return row


def agency_row_by_id(session: Session, agency_id: int) -> AgencyRow:
    row = session.get(AgencyRow, agency_id)
    if row is None:
        raise RecordNotFound(f"no agency with id {agency_id}")
    return row


def holds_groups(session: Session, agency_id: int) -> bool:
    """Whether any group is connected in the agency (whatever agency the session is bound to)."""
    query = select(GroupRow.id).where(GroupRow.agency_id == agency_id).limit(1)
    return session.scalars(query.execution_options(**{EVERY_AGENCY_OPTION: True})).first() is not None


def agencies_table_exists(session: Session) -> bool:
    """False for a database not yet migrated to agencies (a command's context is built before the upgrade)."""
    return inspect(session.connection()).has_table(AgencyRow.__tablename__)


def list_agencies(session: Session) -> list[AgencyListing]:
    """Every stored agency, by name."""
    return [listing_value(row) for row in agency_rows(session)]


def load_agency(session: Session, name: str, *, box: SecretBox, exchange_url: str) -> Agency:
    return agency_value(agency_row(session, name), box=box, exchange_url=exchange_url)


def load_agency_by_id(session: Session, agency_id: int, *, box: SecretBox, exchange_url: str) -> Agency:
    return agency_value(agency_row_by_id(session, agency_id), box=box, exchange_url=exchange_url)


def check_key(session: Session, *, box: SecretBox) -> None:
    """Every stored secret opens with `box`, else SecretKeyError naming the first agency whose does not."""
    for row in agency_rows(session):
        for name in SECRET_FIELDS:
            if token := getattr(row, name):
                box.open(token, agency=row.name)


def add_agency(session: Session, *, name: str, values: Mapping[str, Any], box: SecretBox) -> AgencyListing:
    """Store a new agency; the secrets among `values` are sealed with `box` before they reach the row."""
    if session.scalars(select(AgencyRow.id).where(AgencyRow.name == name)).first() is not None:
        raise AgencyExists(f"agency {name!r} already exists")
    row = AgencyRow(name=name, **_sealed(values, box=box))
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise AgencyExists(f"agency {name!r} was added meanwhile") from None
    return listing_value(row)


def change_agency(session: Session, name: str, *, values: Mapping[str, Any],
                  box: SecretBox | None) -> AgencyListing:
    """Change the given settings; `box` seals the secrets among them (None when there are none)."""
    row = agency_row(session, name)
    for column, value in _sealed(values, box=box).items():
        setattr(row, column, value)
    session.flush()
    return listing_value(row)


def set_disabled(session: Session, name: str, *, disabled_at: datetime | None) -> AgencyListing:
    """Disable (a time) or enable (None) an agency; disabling one already disabled keeps its first time."""
    row = agency_row(session, name)
    if disabled_at is None or row.disabled_at is None:
        row.disabled_at = disabled_at
    session.flush()
    return listing_value(row)


def reseal_all(session: Session, *, reseal: Callable[[str, str], str]) -> int:
    """Replace every stored token by `reseal(agency name, token)`; how many agencies hold one."""
    touched = 0
    for row in agency_rows(session):
        tokens = {name: token for name in SECRET_FIELDS if (token := getattr(row, name))}
        for name, token in tokens.items():
            setattr(row, name, reseal(row.name, token))
        touched += bool(tokens)
    session.flush()
    return touched


def _sealed(values: Mapping[str, Any], *, box: SecretBox | None) -> dict[str, Any]:
    sealed = dict(values)
    for name in set(SECRET_FIELDS) & values.keys():
        if box is None:
            raise ValueError(f"the {name.replace('_', ' ')} cannot be stored without a key to encrypt it")
        sealed[name] = box.seal(values[name])
    return sealed
