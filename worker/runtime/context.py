"""The per-process context: the agency it runs, database sessions and one pooled client per system."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.db_ready import unreachable
from config.logging import get_logger
from config.settings import Settings, load_settings
from connectors.benefitpoint import BenefitPointConnector
from connectors.benefitpoint.catalogue_mapping import tables_of
from connectors.exchange.connector import CarrierExchangeConnector
from connectors.perfectquote import PerfectQuoteConnector
from reconciliation.agency import Agency, default_agency
from worker.service import agencies, catalogues

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
    pid: int = field(default_factory=os.getpid)

    def close(self) -> None:
        self.perfectquote.close()
        self.benefitpoint.close()
        self.exchange.close()
        self.engine.dispose()


def build_context(settings: Settings, *, agency: Agency | None = None) -> SyncContext:
    """The context of `agency`: by default the one this process runs (the only enabled agency stored, or
    with none stored the environment's settings); AgencyDisabled when that one is disabled. The BenefitPoint
    connector reads and writes with the agency's applied catalogue, else the shipped tables."""
    retry = {
        "max_attempts": settings.retry_max_attempts,
        "max_total_s": settings.retry_max_total_s,
        "retry_after_cap_s": settings.retry_after_cap_s,
    }
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        agency = agency or _process_agency(sessions, settings=settings)
        applied = catalogues.applied_catalogue(sessions=sessions, agency=agency)
    except BaseException:
        engine.dispose()
        raise
    log.info("agency.selected", agency=agency.name, stored=agency.id is not None)
    catalogue, crosswalk = tables_of(applied.mapping, agency=agency.name) if applied else (None, None)
    credentials = agency.credentials
    return SyncContext(
        settings=settings,
        agency=agency,
        engine=engine,
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


def _process_agency(sessions: sessionmaker[Session], *, settings: Settings) -> Agency:
    if _sqlite_file_missing(settings.database_url):
        return default_agency(settings)  # a database not created yet stores no agency; do not create it here
    try:
        return agencies.agency_for_process(sessions, settings=settings)
    except DBAPIError as error:  # the first use of the database: say which one, as the upgrade check does
        raise unreachable(settings.database_url, error) from None


def _sqlite_file_missing(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).exists()


def runnable_agency(settings: Settings) -> Agency:
    """The agency a worker or clock would run, checked before it starts: AgencyDisabled, AgencyError or
    SecretKeyError when it cannot run."""
    engine = make_engine(settings.database_url)
    try:
        return _process_agency(make_session_factory(engine), settings=settings)
    finally:
        engine.dispose()


_lock = threading.Lock()
_current: SyncContext | None = None


def get_context() -> SyncContext:
    """This process's context; a forked worker process builds its own (pools do not survive fork)."""
    global _current
    with _lock:
        if _current is None or _current.pid != os.getpid():
            _current = build_context(load_settings())
        return _current


def set_context(context: SyncContext | None) -> None:
    """Install a context (the demo and the tests point it at in-process sandboxes)."""
    global _current
    with _lock:
        if _current is not None and context is not _current and _current.pid == os.getpid():
            _current.close()
        _current = context
