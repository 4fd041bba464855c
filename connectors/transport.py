"""HTTP plumbing shared by the connectors: pooled clients and status-to-error mapping."""

from __future__ import annotations

import json
import ssl
import time
from functools import cache
from typing import Any

import certifi
import httpx

from config.metrics import API_LATENCY, API_REQUESTS
from connectors.errors import AccessDenied, BadResponse, ConnectorError, NotFound, TransientError
from connectors.ports import check_call_guard

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# No answer of any of the three contracts comes near this; a bigger one is refused before it is held whole.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _CookielessClient(httpx.Client):
    """No system plansync calls keeps state in cookies (sessions travel in headers), so an answer's
    cookies are not extracted: httpx builds a urllib request and response to do it, for every answer."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NoCookies()


@cache
def tls_context() -> ssl.SSLContext:
    """The certificate store every client verifies with, loaded once: a context of its own per client
    costs tens of milliseconds and about a megabyte, three times per agency."""
    return ssl.create_default_context(cafile=certifi.where())


def make_client(*, base_url: str, timeout_s: float, headers: dict[str, str] | None = None,
                max_connections: int = 20) -> httpx.Client:
    """One pooled client per system and process, with explicit timeouts."""
    return _CookielessClient(
        base_url=base_url,
        verify=tls_context(),
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        limits=httpx.Limits(max_connections=max_connections,
                            max_keepalive_connections=max_connections),
        headers=headers or {},
    )


def retry_after_s(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def send(client: httpx.Client, request: httpx.Request, *, system: str, operation: str, writes: bool,
         handled_statuses: frozenset[int] = frozenset(),
         max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> httpx.Response:
    """Send once; transport faults and transient statuses become TransientError.

    The body is read as a stream and refused (BadResponse) past `max_bytes`, so an oversized
    answer never sits whole in memory. `handled_statuses` are left to the caller (a SOAP 500 may
    be a fault with a meaning). A request that `writes` is preceded by the guard the caller set
    (`ports.guarded_calls`); a read changes nothing, so a superseded run may still make it.
    """
    if writes:
        check_call_guard()
    started = time.perf_counter()
    status = "connection_error"
    try:
        response = _read_capped(client, request, system=system, operation=operation, max_bytes=max_bytes)
        status = str(response.status_code)
    except BadResponse as error:
        status = str(error.status) if error.status is not None else status
        raise
    except httpx.TimeoutException as error:
        status = "timeout"
        raise TransientError(system=system, operation=operation,
                             message=f"timed out ({type(error).__name__})") from error
    except httpx.TransportError as error:
        raise TransientError(system=system, operation=operation,
                             message=f"connection failed ({type(error).__name__})") from error
    finally:
        API_REQUESTS.labels(system=system, operation=operation, status=status).inc()
        API_LATENCY.labels(system=system, operation=operation).observe(time.perf_counter() - started)
    if response.status_code not in handled_statuses:
        raise_for_common_status(response, system=system, operation=operation)
    return response


def _read_capped(client: httpx.Client, request: httpx.Request, *, system: str, operation: str,
                 max_bytes: int) -> httpx.Response:
    response = client.send(request, stream=True)
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _too_big(system=system, operation=operation, status=response.status_code,
                           max_bytes=max_bytes)
        if declared.isdigit() and "content-encoding" not in response.headers:
            # The framing ends the body at its declared length, within the limit: read as it is.
            response.read()
            return response
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _too_big(system=system, operation=operation, status=response.status_code,
                               max_bytes=max_bytes)
            chunks.append(chunk)
    finally:
        response.close()
    return httpx.Response(response.status_code, headers=response.headers, content=b"".join(chunks),
                          request=request, extensions=response.extensions)


def _too_big(*, system: str, operation: str, status: int, max_bytes: int) -> BadResponse:
    return BadResponse(system=system, operation=operation, field="body", status=status,
                       message=f"the answer is larger than the limit of {max_bytes} bytes "
                               "(HTTP_MAX_RESPONSE_BYTES); nothing of it was used")


def raise_for_common_status(response: httpx.Response, *, system: str, operation: str) -> None:
    """Statuses whose meaning is the same for every system; the rest is the caller's."""
    status = response.status_code
    if status in TRANSIENT_STATUSES:
        raise TransientError(system=system, operation=operation, status=status,
                             message=f"HTTP {status}", retry_after_s=retry_after_s(response))
    error_class: type[ConnectorError] | None = {401: AccessDenied, 403: AccessDenied,
                                                 404: NotFound}.get(status)
    if error_class is not None:
        raise error_class(system=system, operation=operation, status=status,
                          message=f"HTTP {status}")


def json_object(response: httpx.Response, *, system: str, operation: str) -> dict[str, Any]:
    """The body as a JSON object, or BadResponse: an HTML page is never half-read."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        kind = response.headers.get("content-type", "no content type")
        raise BadResponse(system=system, operation=operation, field="body", status=response.status_code,
                          message=f"the body is not JSON ({kind})") from None
    if not isinstance(body, dict):
        raise BadResponse(system=system, operation=operation, field="body", status=response.status_code,
                          message=f"the body is not a JSON object ({type(body).__name__})")
    return body
