"""HTTP calls to PerfectQuote: auth, retries, status-to-error mapping, JSON envelopes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from connectors import transport
from connectors.errors import (
    AccessDenied,
    BadResponse,
    ConnectorError,
    Duplicate,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from connectors.retry import call_with_retry
from connectors.transport import DEFAULT_MAX_RESPONSE_BYTES, make_client, send

SYSTEM = "perfectquote"
MAX_PAGE_SIZE = 200


HANDLED_STATUSES = frozenset({401, 403, 404})


def error_body(response: httpx.Response) -> tuple[str, Any]:
    """The contract's error message and details, or the HTTP status when the body is not one."""
    error = _error_envelope(response)
    if error is None:
        return f"HTTP {response.status_code}", None
    return str(error.get("message") or f"HTTP {response.status_code}"), error.get("details")


def _error_envelope(response: httpx.Response) -> dict[str, Any] | None:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, dict) else None


class PerfectQuoteClient:
    """One pooled httpx client; every call goes through the one retry policy."""

    def __init__(self, *, base_url: str, token: str, timeout_s: float = 10.0,
                 retry: Mapping[str, Any] | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self._http = make_client(base_url=base_url.rstrip("/"), timeout_s=timeout_s,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Accept": "application/json"})
        self._base_url = str(self._http.base_url).rstrip("/")
        self._retry = dict(retry or {})
        self._max_response_bytes = max_response_bytes

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, operation: str, params: Mapping[str, Any] | None = None,
                body: Any = None, headers: Mapping[str, str] | None = None,
                accept: frozenset[int] = frozenset()) -> httpx.Response:
        """Send with retries on transient faults; other 4xx become typed errors at once.

        Statuses in `accept` are returned to the caller (a 412 carries the current plan).
        """
        def once() -> httpx.Response:
            # Absolute already: httpx resolves a relative path against the base URL by parsing it twice more.
            url = httpx.URL(self._base_url + path)
            request = self._http.build_request(method, url, params=params, json=body, headers=headers)
            response = send(self._http, request, system=SYSTEM, operation=operation, writes=method != "GET",
                            handled_statuses=HANDLED_STATUSES, max_bytes=self._max_response_bytes)
            if response.status_code >= 400 and response.status_code not in accept:
                raise_for_status(response, operation=operation)
            return response

        return call_with_retry(once, **self._retry)

    def get_json(self, path: str, *, operation: str,
                 params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return json_object(self.request("GET", path, operation=operation, params=params), operation=operation)

    def pages(self, path: str, *, operation: str, params: Mapping[str, Any] | None = None,
              page_size: int = MAX_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every page of a paged list, following the server's opaque cursors."""
        query: dict[str, Any] = {**(params or {}), "page_size": page_size}
        while True:
            page = self.get_json(path, operation=operation, params=query)
            data_list(page, operation=operation)
            yield page
            cursor = page.get("next_cursor")
            if cursor is None:
                return
            if not isinstance(cursor, str) or not cursor:
                raise BadResponse(system=SYSTEM, operation=operation, field="next_cursor",
                                  message=f"next_cursor must be text or null, got {cursor!r}")
            query = {key: value for key, value in query.items() if key != "since"} | {"cursor": cursor}


def raise_for_status(response: httpx.Response, *, operation: str) -> None:
    status = response.status_code
    message, details = error_body(response)
    if status in {401, 403}:
        what = "the token was refused" if status == 401 else "the token may not do this"
        raise AccessDenied(system=SYSTEM, operation=operation, status=status, details=details,
                           message=f"{what} (HTTP {status}): check PERFECTQUOTE_TOKEN")
    if status == 404 and _error_envelope(response) is None:
        # The contract answers an unknown id with its error body; a bare 404 is another server or path.
        raise BadResponse(system=SYSTEM, operation=operation, field="status", status=status,
                          message="HTTP 404 that is not a PerfectQuote answer: check PERFECTQUOTE_URL "
                                  "(the API's base, e.g. https://host/api/v1)")
    if status == 404:
        raise NotFound(system=SYSTEM, operation=operation, status=status, message=message, details=details)
    kind: type[ConnectorError] = {409: Duplicate, 412: StaleVersion, 422: ValidationFailed}.get(
        status, ConnectorError)
    raise kind(system=SYSTEM, operation=operation, status=status, message=message, details=details)


def json_object(response: httpx.Response, *, operation: str) -> dict[str, Any]:
    """The body as a JSON object, or BadResponse: an HTML page is never half-read."""
    return transport.json_object(response, system=SYSTEM, operation=operation)


def data_list(page: Mapping[str, Any], *, operation: str) -> list[Any]:
    data = page.get("data")
    if not isinstance(data, list):
        raise BadResponse(system=SYSTEM, operation=operation, field="data",
                          message="the envelope has no `data` list")
    return data


def data_object(page: Mapping[str, Any], *, operation: str) -> dict[str, Any]:
    """A single object: the contract returns it bare; a `data` wrapper is accepted too."""
    inner = page.get("data", page)
    if not isinstance(inner, dict):
        raise BadResponse(system=SYSTEM, operation=operation, field="data",
                          message="the answer is not an object")
    return inner
