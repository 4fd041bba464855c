"""The per-process context: settings, database sessions and one pooled client per system."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.settings import Settings, load_settings
from connectors.benefitpoint import BenefitPointConnector
from connectors.exchange.connector import CarrierExchangeConnector
from connectors.perfectquote import PerfectQuoteConnector


@dataclass(kw_only=True)
class SyncContext:
    """Everything a job needs to touch the outside world; built once per process."""

    settings: Settings
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


def build_context(settings: Settings) -> SyncContext:
    retry = {
        "max_attempts": settings.retry_max_attempts,
        "max_total_s": settings.retry_max_total_s,
        "retry_after_cap_s": settings.retry_after_cap_s,
    }
    engine = make_engine(settings.database_url)
    return SyncContext(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        perfectquote=PerfectQuoteConnector(
            base_url=settings.perfectquote_url,
            token=settings.perfectquote_token,
            timeout_s=settings.http_timeout_s,
            retry=retry,
            max_response_bytes=settings.http_max_response_bytes,
        ),
        benefitpoint=BenefitPointConnector(
            base_url=settings.benefitpoint_url,
            username=settings.benefitpoint_username,
            password=settings.benefitpoint_password,
            link_field_id=settings.benefitpoint_link_field_id,
            rates_writable=settings.benefitpoint_rates_writable,
            timeout_s=settings.http_timeout_s,
            retry=retry,
            max_response_bytes=settings.http_max_response_bytes,
        ),
        exchange=CarrierExchangeConnector(
            base_url=settings.carrier_exchange_url,
            api_key=settings.carrier_exchange_api_key,
            timeout_s=settings.http_timeout_s,
            retry=retry,
            max_response_bytes=settings.http_max_response_bytes,
        ),
    )


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
