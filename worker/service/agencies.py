"""Managing agencies (add, list, show, set, disable, enable, rotate the key) and choosing the one to run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from config.secrets import NEW_SECRET_KEY_VARIABLE, SecretBox, secret_box
from config.settings import Settings
from reconciliation.agency import (
    DEFAULT_AGENCY,
    SECRET_FIELDS,
    Agency,
    AgencyListing,
    default_agency,
    listing_of,
)
from reconciliation.agency_input import AgencyChanges, check_name, checked_changes
from reconciliation.storage import agencies as store

log = get_logger(__name__)


class AgencyError(ValueError):
    """An agency that cannot be used as asked; the message names it and why."""


class UnknownAgency(AgencyError):
    """No agency of that name is stored; the message lists those that are."""


class AgencyDisabled(Exception):
    """The agency to run is disabled: the worker and the clock refuse to start (a failure, not bad input)."""


def add(sessions: sessionmaker[Session], *, name: str, changes: AgencyChanges,
        env: Mapping[str, str] | None = None) -> AgencyListing:
    """Store a new agency, its secrets sealed under PLANSYNC_SECRET_KEY (the key of those stored already)."""
    name = check_name(name)
    with sessions() as session:
        if any(listing.name == name for listing in store.list_agencies(session)):
            raise store.AgencyExists(f"agency {name!r} already exists")
    values = checked_changes(changes, complete=True)
    box = secret_box(env)
    with sessions.begin() as session:
        store.check_key(session, box=box)
        added = store.add_agency(session, name=name, values=values, box=box)
    log.info("agency.added", agency=added.name)
    return added


def list_agencies(sessions: sessionmaker[Session]) -> list[AgencyListing]:
    with sessions() as session:
        return store.list_agencies(session)


def show(sessions: sessionmaker[Session], name: str, *, settings: Settings) -> AgencyListing:
    """A stored agency, or (named `default`) the agency the environment's settings make."""
    if name == DEFAULT_AGENCY:
        return listing_of(default_agency(settings))
    with sessions() as session:
        return _listing(session, name)


def change(sessions: sessionmaker[Session], name: str, *, changes: AgencyChanges,
           env: Mapping[str, str] | None = None) -> AgencyListing:
    """Change some of a stored agency's settings; new secrets are sealed like the others (the key is
    needed, and checked against those stored, only when a secret changes)."""
    with sessions() as session:
        _listing(session, name)
    values = checked_changes(changes, complete=False)
    box = secret_box(env) if set(SECRET_FIELDS) & values.keys() else None
    with sessions.begin() as session:
        _listing(session, name)
        if box is not None:
            store.check_key(session, box=box)
        changed = store.change_agency(session, name, values=values, box=box)
    log.info("agency.changed", agency=name, settings=sorted(values))
    return changed


def disable(sessions: sessionmaker[Session], name: str, *, now: datetime) -> AgencyListing:
    with sessions.begin() as session:
        _listing(session, name)
        disabled = store.set_disabled(session, name, disabled_at=now)
    log.info("agency.disabled", agency=name)
    return disabled


def enable(sessions: sessionmaker[Session], name: str) -> AgencyListing:
    with sessions.begin() as session:
        _listing(session, name)
        enabled = store.set_disabled(session, name, disabled_at=None)
    log.info("agency.enabled", agency=name)
    return enabled


def rotate_key(sessions: sessionmaker[Session], *, new_key: str | None = None,
               env: Mapping[str, str] | None = None) -> int:
    """Re-seal every stored secret under the new key, all in one transaction or none; how many agencies."""
    old = secret_box(env)
    new = (SecretBox(new_key, variable="--new-key") if new_key
           else secret_box(env, variable=NEW_SECRET_KEY_VARIABLE))
    if new.same_key_as(old):
        raise AgencyError(f"the new key is the key in use ({old.variable}): nothing to rotate")

    def reseal(agency: str, token: str) -> str:
        return new.seal(old.open(token, agency=agency))

    with sessions.begin() as session:
        agencies = store.reseal_all(session, reseal=reseal)
    log.info("agency.key_rotated", agencies=agencies)
    return agencies


def resolve_agency(session: Session, name: str | None, *, settings: Settings,
                   env: Mapping[str, str] | None = None) -> Agency:
    """The agency a command is about: named, or the only one stored, or (none stored) the default."""
    if name == DEFAULT_AGENCY:
        return default_agency(settings)
    if name is None:
        stored = store.list_agencies(session)
        if not stored:
            return default_agency(settings)
        if len(stored) > 1:
            raise AgencyError(f"{len(stored)} agencies are stored ({_names(stored)}): name one with --agency")
        name = stored[0].name
    _listing(session, name)
    return store.load_agency(session, name, box=secret_box(env), exchange_url=settings.carrier_exchange_url)


def agency_for_process(sessions: sessionmaker[Session], *, settings: Settings,
                       env: Mapping[str, str] | None = None) -> Agency:
    """The agency a worker or clock runs: the only enabled one stored, else (none stored) the default."""
    with sessions() as session:
        stored = store.list_agencies(session) if store.agencies_table_exists(session) else []
        if not stored:
            return default_agency(settings)
        enabled = [listing for listing in stored if not listing.disabled]
        if not enabled:
            raise AgencyDisabled(f"agency {_names(stored)} is disabled: the worker and clock run no disabled "
                                 f"agency (`plansync agencies enable {stored[0].name}`)")
        if len(enabled) > 1:
            raise AgencyError(f"{len(enabled)} agencies are enabled ({_names(enabled)}); the worker runs "
                              "one: disable the others (`plansync agencies disable NAME`)")
        return store.load_agency(session, enabled[0].name, box=secret_box(env),
                                 exchange_url=settings.carrier_exchange_url)


def _names(listings: list[AgencyListing]) -> str:
    return ", ".join(listing.name for listing in listings)


def _listing(session: Session, name: str) -> AgencyListing:
    """The stored agency of that name; else UnknownAgency listing those that are stored."""
    stored = store.list_agencies(session)
    for listing in stored:
        if listing.name == name:
            return listing
    known = _names(stored) or "none stored; `plansync agencies add` stores one"
    raise UnknownAgency(f"no agency named {name!r} (known: {known})")
