"""The SOAP call itself: login, the session header, one re-login on `Invalid Session`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from xml.etree.ElementTree import Element

import httpx

from config.logging import get_logger
from connectors.benefitpoint.results import InvalidSession, error_for_fault
from connectors.benefitpoint.soap import (
    LOGIN_PATH,
    SERVICE_PATH,
    SYSTEM,
    build_envelope,
    fault_of,
    parse_body,
    response_of,
    soap_action,
)
from connectors.benefitpoint.xmltree import to_native
from connectors.errors import AccessDenied, BadResponse, ConnectorError, NotFound, TransientError
from connectors.retry import call_with_retry
from connectors.transport import DEFAULT_MAX_RESPONSE_BYTES, send

log = get_logger(__name__)
MAX_SESSION_ID_LENGTH = 512
# A login answer refused at these is no SOAP answer at all; past them it is a bad login answer.
_NOT_SOAP_FIELDS = frozenset({"Envelope", "Body", "status"})
# The operations that change nothing; any other (one this list does not know too) is taken for a write.
READ_OPERATIONS = frozenset({
    "login", "findAccounts", "getAccount", "findProducts", "getProduct", "findBenefitSummaries",
    "getBenefitSummary", "findRates", "getRate", "findChanges", "getAvailableCarriers", "getProductTypes",
    "getBenefitSummaryStructure",
})


class SoapSession:
    """Sends BrokerConnect calls with a session, logging in when there is none or it expired.

    Thread-safe: workers share one session per process. The password and the session id are
    kept here and never logged.
    """

    def __init__(self, client: httpx.Client, *, username: str, password: str,
                 retry: Mapping[str, Any] | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
                 call_slot: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        """`call_slot`: held around each request (the agency's fair share of BenefitPoint calls)."""
        self._call_slot = call_slot
        self._client = client
        self._max_response_bytes = max_response_bytes
        self._username = username
        self._password = password
        self._retry = dict(retry or {})
        self._session_id: str | None = None
        self._lock = threading.Lock()
        # Each endpoint's URL, resolved once: httpx resolves a path against the base URL at every request.
        self._urls: dict[str, httpx.URL] = {}

    def call(self, operation: str, params: Mapping[str, Any], *, retry: bool = True) -> Element:
        """The `<operation>Response` element; transient faults are retried unless `retry` is False."""
        session_id = self._current_session()
        try:
            return self._post(SERVICE_PATH, operation, params, session_id=session_id, retry=retry)
        except InvalidSession:
            log.info("benefitpoint.session_renewed", operation=operation)
            session_id = self._renew(session_id)
        try:
            return self._post(SERVICE_PATH, operation, params, session_id=session_id, retry=retry)
        except InvalidSession as error:
            raise AccessDenied(system=SYSTEM, operation=operation, status=error.status,
                               message="the session was refused again right after logging in") from None

    def _current_session(self) -> str:
        with self._lock:
            if self._session_id is None:
                self._session_id = self._login()
            return self._session_id

    def _renew(self, refused: str) -> str:
        with self._lock:
            # Another thread may have logged in again already; its session is as good as ours.
            if self._session_id is None or self._session_id == refused:
                self._session_id = self._login()
            return self._session_id

    def _login(self) -> str:
        params = {"username": self._username, "password": self._password}
        try:
            response = self._post(LOGIN_PATH, "login", params, session_id=None, retry=True)
        except TransientError:
            raise
        except (NotFound, BadResponse) as error:
            field = getattr(error, "field", None) or "status"
            if field not in _NOT_SOAP_FIELDS:
                raise
            # No SOAP answer at all (a 404, an HTML page): the address is wrong, not the credentials.
            raise BadResponse(system=SYSTEM, operation="login", field=field, status=error.status,
                              message=f"no BenefitPoint SOAP service at {self._login_url()} "
                                      f"({error.message}): check BENEFITPOINT_URL") from None
        except ConnectorError as error:
            status = getattr(error, "status", None)
            raise AccessDenied(system=SYSTEM, operation="login", status=status,
                               message="login refused: check BENEFITPOINT_USERNAME and BENEFITPOINT_PASSWORD"
                               ) from None
        result = next((child for child in response if child.tag.rpartition("}")[2] == "result"), None)
        record = to_native(result) if result is not None else None
        session_id = record.get("sessionID") if isinstance(record, dict) else None
        if not isinstance(session_id, str) or not session_id.strip():
            raise BadResponse(system=SYSTEM, operation="login", field="result.sessionID",
                              message="the login answer has no sessionID")
        session_id = session_id.strip()
        if len(session_id) > MAX_SESSION_ID_LENGTH or any(char.isspace() for char in session_id):
            # It travels in every later envelope: a page of text taken for a session id would too.
            raise BadResponse(system=SYSTEM, operation="login", field="result.sessionID",
                              message=f"the sessionID is not a token (longer than {MAX_SESSION_ID_LENGTH} "
                                      "characters or holding spaces)")
        log.info("benefitpoint.login")
        return session_id

    def _login_url(self) -> str:
        url = self._client.build_request("POST", LOGIN_PATH).url
        return str(url.copy_with(username=None, password=None) if url.userinfo else url)

    def _post(self, path: str, operation: str, params: Mapping[str, Any], *, session_id: str | None,
              retry: bool) -> Element:
        def once() -> Element:
            with self._call_slot():
                return self._post_once(path, operation, params, session_id=session_id)

        return call_with_retry(once, **self._retry) if retry else once()

    def _post_once(self, path: str, operation: str, params: Mapping[str, Any], *,
                   session_id: str | None) -> Element:
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._client.build_request("POST", path).url
        request = self._client.build_request(
            "POST", url, content=build_envelope(operation, params, session_id=session_id),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": soap_action(operation)},
        )
        response = send(self._client, request, system=SYSTEM, operation=operation,
                        writes=operation not in READ_OPERATIONS, handled_statuses=frozenset({500}),
                        max_bytes=self._max_response_bytes)
        try:
            element = parse_body(response.content, operation=operation)
        except BadResponse:
            if response.status_code >= 500:
                raise TransientError(system=SYSTEM, operation=operation, status=response.status_code,
                                     message=f"HTTP {response.status_code} without a SOAP Fault") from None
            raise
        fault = fault_of(element)
        if fault is not None:
            raise error_for_fault(fault, operation=operation, status=response.status_code)
        if response.status_code != 200:
            raise BadResponse(system=SYSTEM, operation=operation, field="status",
                              message=f"HTTP {response.status_code} without a SOAP Fault")
        return response_of(element, operation=operation)
