"""An agency's context (its sessions and one pooled client per system) and the process's, shared engine."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from config.crosswalk import Crosswalk, load_crosswalk
from config.db import make_engine, make_session_factory
from config.db_ready import unreachable
from config.logging import get_logger
from config.settings import Settings
from connectors.benefitpoint import BenefitPointConnector
from connectors.benefitpoint.catalogue_mapping import tables_of
from connectors.exchange.connector import CarrierExchangeConnector
from connectors.perfectquote import PerfectQuoteConnector
from reconciliation.agency import Agency, default_agency
from reconciliation.storage.agency_scope import sessions_for
from worker.service import agency_choice, catalogues

log = get_logger(__name__)


@dataclass(kw_only=True)
class SyncContext:
    """Everything a job needs to touch the outside world; built once per process."""

    settings: Settings
    agency: Agency
    engine: Engine
    sessions: sessionmaker[Session]
    perfectquote: PerfectQuoteConnector
    benefitpoint: BenefitPointConnector
    exchange: CarrierExchangeConnector
    # The agency's carriers (PerfectQuote code <-> BenefitPoint id): its catalogue's, else the shipped ones.
    crosswalk: Crosswalk
    # False when the engine is the process's, shared with its other agencies' contexts.
    owns_engine: bool = True
    pid: int = field(default_factory=os.getpid)

    def close(self) -> None:
        self.perfectquote.close()
        self.benefitpoint.close()
        self.exchange.close()
        if self.owns_engine:
            self.engine.dispose()


def build_context(settings: Settings, *, agency: Agency | None = None, engine: Engine | None = None,
                  agency_name: str | None = None,
                  call_slot: Callable[[], AbstractContextManager[object]] | None = None) -> SyncContext:
    """The context of `agency` (else the agency named, else the only one in service); on `engine` when
    given (the process's, shared by its agencies), else on an engine of its own. The BenefitPoint
    connector reads and writes with the agency's applied catalogue, else the shipped tables."""
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url)
    base = make_session_factory(engine)
    try:
        agency = agency or named_agency(base, settings=settings, name=agency_name)
        sessions = sessions_for(base, agency.id)
        # A database not created yet holds no catalogue: do not create it here.
        applied = (None if sqlite_file_missing(settings.database_url)
                   else catalogues.applied_catalogue(sessions=sessions, agency=agency))
    except BaseException:
        if own_engine:
            engine.dispose()
        raise
    log.info("agency.selected", agency=agency.name)
    catalogue, crosswalk = tables_of(applied.mapping, agency=agency.name) if applied else (None, None)
    credentials = agency.credentials
    retry = {
        "max_attempts": settings.retry_max_attempts,
        "max_total_s": settings.retry_max_total_s,
        "retry_after_cap_s": settings.retry_after_cap_s,
    }
    return SyncContext(
        settings=settings,
        agency=agency,
        crosswalk=crosswalk or load_crosswalk(),
        engine=engine,
        owns_engine=own_engine,
        sessions=sessions,
        perfectquote=PerfectQuoteConnector(
            base_url=agency.perfectquote_url,
            token=credentials.perfectquote_token,
            timeout_s=settings.http_timeout_s,
            retry=retry,
            max_response_bytes=settings.http_max_response_bytes,
        ),
        benefitpoint=BenefitPointConnector(
            base_url=agency.benefitpoint_url,
            username=agency.benefitpoint_username,
            password=credentials.benefitpoint_password,
            link_field_id=agency.benefitpoint_link_field_id,
            rates_writable=agency.benefitpoint_rates_writable,
            catalogue=catalogue,
            crosswalk=crosswalk,
            call_slot=call_slot or nullcontext,
            timeout_s=settings.http_timeout_s,
            retry=retry,
            max_response_bytes=settings.http_max_response_bytes,
        ),
        exchange=CarrierExchangeConnector(
            base_url=agency.carrier_exchange_url,
            api_key=credentials.carrier_exchange_api_key,
            timeout_s=settings.http_timeout_s,
            retry=retry,
            max_response_bytes=settings.http_max_response_bytes,
        ),
    )


def named_agency(sessions: sessionmaker[Session], *, settings: Settings, name: str | None) -> Agency:
    if sqlite_file_missing(settings.database_url):
        return default_agency(settings)  # a database not created yet stores no agency; do not create it here
    try:
        with sessions() as session:
            return agency_choice.resolve_agency(session, name, settings=settings)
    except DBAPIError as error:  # the first use of the database: say which one, as the upgrade check does
        raise unreachable(settings.database_url, error) from None


def sqlite_file_missing(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).exists()


def serviceable_agencies(settings: Settings) -> list[Agency]:
    """The agencies a worker or clock would run, checked before it starts: AgencyDisabled when every one is
    disabled, SecretKeyError when a secret will not open."""
    if sqlite_file_missing(settings.database_url):
        return [default_agency(settings)]
    engine = make_engine(settings.database_url)
    try:
        return agency_choice.check_serviceable(make_session_factory(engine), settings=settings)
    except DBAPIError as error:
        raise unreachable(settings.database_url, error) from None
    finally:
        engine.dispose()
