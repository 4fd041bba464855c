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
    DEFAULT_AGENCY_ID,
    SECRET_FIELDS,
    AgencyListing,
    default_agency,
    listing_of,
)
from reconciliation.agency_input import AgencyChanges, check_name, checked_changes
from reconciliation.storage import agencies as store
from worker.service.agency_choice import (  # noqa: F401 - the errors are part of this module's API
    AgencyDisabled,
    AgencyError,
    UnknownAgency,
    agency_id_of,
    in_service,
    listing_named,
    names_of,
)

log = get_logger(__name__)


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


def list_agencies(sessions: sessionmaker[Session], *, settings: Settings) -> list[AgencyListing]:
    """The agencies in service, the default one shown with the environment's settings."""
    with sessions() as session:
        return [_shown(listing, settings=settings) for listing in in_service(session)]


def show(sessions: sessionmaker[Session], name: str, *, settings: Settings) -> AgencyListing:
    """A stored agency, or (named `default`) the agency the environment's settings make."""
    with sessions() as session:
        if name == DEFAULT_AGENCY and not store.agencies_table_exists(session):
            return listing_of(default_agency(settings))
        return _shown(listing_named(session, name), settings=settings)


def _shown(listing: AgencyListing, *, settings: Settings) -> AgencyListing:
    if listing.id != DEFAULT_AGENCY_ID:
        return listing
    return listing_of(default_agency(settings, disabled=listing.disabled), disabled_at=listing.disabled_at,
                      created_at=listing.created_at)


def change(sessions: sessionmaker[Session], name: str, *, changes: AgencyChanges,
           env: Mapping[str, str] | None = None) -> AgencyListing:
    """Change some of a stored agency's settings; new secrets are sealed like the others (the key is
    needed, and checked against those stored, only when a secret changes)."""
    if name == DEFAULT_AGENCY:
        raise AgencyError(f"agency {name!r} takes its settings from the environment (PERFECTQUOTE_URL, "
                          "BENEFITPOINT_URL, ...): change those, or add an agency of its own")
    with sessions() as session:
        listing_named(session, name)
    values = checked_changes(changes, complete=False)
    box = secret_box(env) if set(SECRET_FIELDS) & values.keys() else None
    with sessions.begin() as session:
        listing_named(session, name)
        if box is not None:
            store.check_key(session, box=box)
        changed = store.change_agency(session, name, values=values, box=box)
    log.info("agency.changed", agency=name, settings=sorted(values))
    return changed


def disable(sessions: sessionmaker[Session], name: str, *, now: datetime) -> AgencyListing:
    with sessions.begin() as session:
        listing_named(session, name)
        disabled = store.set_disabled(session, name, disabled_at=now)
    log.info("agency.disabled", agency=name)
    return disabled


def enable(sessions: sessionmaker[Session], name: str) -> AgencyListing:
    with sessions.begin() as session:
        listing_named(session, name)
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
