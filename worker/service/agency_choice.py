"""Choosing an agency: the one a command names (or the only one in service), and the ones whose cycles run."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from config.secrets import secret_box
from config.settings import Settings
from reconciliation.agency import DEFAULT_AGENCY, DEFAULT_AGENCY_ID, Agency, AgencyListing, default_agency
from reconciliation.storage import agencies as store
from reconciliation.storage.tables import AgencyRow


class AgencyError(ValueError):
    """An agency that cannot be used as asked; the message names it and why."""


class UnknownAgency(AgencyError):
    """No agency of that name is stored; the message lists those that are."""


class AgencyDisabled(Exception):
    """The agency to run is disabled: the worker and the clock refuse to start (a failure, not bad input)."""


def resolve_agency(session: Session, name: str | None, *, settings: Settings,
                   env: Mapping[str, str] | None = None) -> Agency:
    """The agency a command is about: named, or else the only agency in service (an error lists them)."""
    if name is None:
        serving = in_service(session)
        if len(serving) > 1:
            raise AgencyError(f"{len(serving)} agencies are configured ({names_of(serving)}): name one with "
                              "--agency")
        if not serving:
            return default_agency(settings)
        name = serving[0].name
    if name == DEFAULT_AGENCY:
        return agency_by_id(session, DEFAULT_AGENCY_ID, settings=settings, env=env)
    listing = listing_named(session, name)
    return agency_by_id(session, agency_id_of(listing), settings=settings, env=env)


def agency_by_id(session: Session, agency_id: int, *, settings: Settings,
                 env: Mapping[str, str] | None = None) -> Agency:
    """A stored agency with its secrets opened; the default agency from the environment's settings."""
    if agency_id == DEFAULT_AGENCY_ID:
        row = session.get(AgencyRow, DEFAULT_AGENCY_ID) if store.agencies_table_exists(session) else None
        return default_agency(settings, disabled=row is not None and row.disabled_at is not None)
    return store.load_agency_by_id(session, agency_id, box=secret_box(env),
                                   exchange_url=settings.carrier_exchange_url)


def in_service(session: Session) -> list[AgencyListing]:
    """The agencies plansync serves: every stored one, and the default agency (the environment's) while no
    other is stored or while it holds groups."""
    if not store.agencies_table_exists(session):
        return []
    stored = store.list_agencies(session)
    others = [listing for listing in stored if listing.id != DEFAULT_AGENCY_ID]
    default = [listing for listing in stored if listing.id == DEFAULT_AGENCY_ID]
    if default and (not others or store.holds_groups(session, DEFAULT_AGENCY_ID)):
        return sorted([*default, *others], key=lambda listing: listing.name)
    return others


def enabled_agencies(sessions: sessionmaker[Session], *, settings: Settings,
                     env: Mapping[str, str] | None = None) -> list[Agency]:
    """The agencies whose cycles run, their secrets opened (SecretKeyError names one that will not open)."""
    with sessions() as session:
        serving = in_service(session)
        if not serving:
            return [default_agency(settings)]
        return [agency_by_id(session, agency_id_of(listing), settings=settings, env=env)
                for listing in serving if not listing.disabled]


def check_serviceable(sessions: sessionmaker[Session], *, settings: Settings,
                      env: Mapping[str, str] | None = None) -> list[Agency]:
    """Before a worker or clock starts: the enabled agencies, every one's secrets opened; AgencyDisabled
    when every agency is disabled."""
    enabled = enabled_agencies(sessions, settings=settings, env=env)
    if not enabled:
        with sessions() as session:
            names = names_of(in_service(session))
        raise AgencyDisabled(f"every agency is disabled ({names}): the worker and clock would run nothing "
                             "(`plansync agencies enable NAME`)")
    return enabled


def agency_id_of(listing: AgencyListing) -> int:
    return DEFAULT_AGENCY_ID if listing.id is None else listing.id


def names_of(listings: list[AgencyListing]) -> str:
    return ", ".join(listing.name for listing in listings)


def listing_named(session: Session, name: str) -> AgencyListing:
    """The stored agency of that name; else UnknownAgency listing those in service."""
    stored = store.list_agencies(session) if store.agencies_table_exists(session) else []
    for listing in stored:
        if listing.name == name:
            return listing
    known = names_of(in_service(session)) or "none stored; `plansync agencies add` stores one"
    raise UnknownAgency(f"no agency named {name!r} (known: {known})")
