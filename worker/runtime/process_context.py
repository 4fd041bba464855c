"""This process's contexts: one engine, each agency's context built on first use; the installed one."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from config.db import make_engine, make_session_factory
from config.logging import get_logger
from config.settings import Settings, load_settings
from reconciliation.agency import Agency, default_agency
from worker.runtime.context import SyncContext, build_context, named_agency, sqlite_file_missing
from worker.service import agency_choice

log = get_logger(__name__)
CallSlots = Callable[[int], Callable[[], AbstractContextManager[object]]]

AGENCY_RELOAD_S = 30.0


class ProcessContexts:
    """The process's engine and each agency's context on it: built on first use, looked at again every
    AGENCY_RELOAD_S and rebuilt when the agency's stored settings or secrets changed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._contexts: dict[int, tuple[float, SyncContext]] = {}
        self._call_slots: CallSlots | None = None

    def use_call_slots(self, call_slots: CallSlots) -> None:
        """Each agency's BenefitPoint calls from now on hold one of its slots (the worker's fair shares)."""
        with self._lock:
            self._call_slots = call_slots
            self._contexts.clear()

    def by_id(self, agency_id: int) -> SyncContext:
        with self._lock:
            held = self._contexts.get(agency_id)
            now = time.monotonic()
            if held is not None and now - held[0] < AGENCY_RELOAD_S:
                return held[1]
            with self.sessions() as session:
                agency = agency_choice.agency_by_id(session, agency_id, settings=self.settings)
            if held is not None and held[1].agency == agency:
                context = held[1]
            else:
                # A context replaced is not closed: a run of another thread may still be using it.
                call_slot = None if self._call_slots is None else self._call_slots(agency.id)
                context = build_context(self.settings, agency=agency, engine=self.engine, call_slot=call_slot)
                if held is not None:
                    log.info("agency.reloaded", agency=agency.name)
            self._contexts[agency_id] = (now, context)
            return context

    def named(self, name: str | None) -> SyncContext:
        """The agency named, or the only one in service (a database not created yet: the default)."""
        if sqlite_file_missing(self.settings.database_url):
            return build_context(self.settings, agency=default_agency(self.settings), engine=self.engine)
        return self.by_id(named_agency(self.sessions, settings=self.settings, name=name).id)

    def enabled_count(self) -> int:
        """How many agencies' cycles run now (their secrets left closed)."""
        if sqlite_file_missing(self.settings.database_url):
            return 1
        with self.sessions() as session:
            return max(1, sum(1 for listing in agency_choice.in_service(session) if not listing.disabled))

    def enabled(self) -> list[Agency]:
        """The agencies whose cycles run now."""
        if sqlite_file_missing(self.settings.database_url):
            return [default_agency(self.settings)]
        return agency_choice.enabled_agencies(self.sessions, settings=self.settings)


_lock = threading.Lock()
_current: SyncContext | None = None
_process: ProcessContexts | None = None


def get_context(agency: int | str | None = None) -> SyncContext:
    """The context of an agency (an id, a name, or None: the only agency in service) in this process; a
    forked worker process builds its own (pools do not survive fork). An installed context answers for
    its own agency."""
    with _lock:
        installed = _current
    if installed is not None and installed.pid == os.getpid() and agency in (
            None, installed.agency.id, installed.agency.name):
        return installed
    process = process_contexts()
    return process.by_id(agency) if isinstance(agency, int) else process.named(agency)


def installed_context() -> SyncContext | None:
    """The context installed in this process (the demo's, a test's), if any."""
    with _lock:
        return _current if _current is not None and _current.pid == os.getpid() else None


def process_contexts() -> ProcessContexts:
    """This process's contexts (the engine all its agencies share): built on first use."""
    global _process
    settings = load_settings()
    with _lock:
        # Settings changed (a command run in a test's environment): contexts on the new ones.
        if _process is None or _process.pid != os.getpid() or _process.settings != settings:
            _process = ProcessContexts(settings)
        return _process


def set_context(context: SyncContext | None) -> None:
    """Install a context (the demo and the tests point it at in-process sandboxes)."""
    global _current
    with _lock:
        if _current is not None and context is not _current and _current.pid == os.getpid():
            _current.close()
        _current = context
