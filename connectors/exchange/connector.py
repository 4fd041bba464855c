"""CarrierExchangeConnector: the CarrierExchange port over HTTP, with the one retry policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from carriers.enrollment import EnrollmentChange
from connectors.errors import AccessDenied, BadResponse, ConnectorError, Duplicate, ValidationFailed
from connectors.exchange import records
from connectors.exchange.records import SYSTEM
from connectors.paths import segment
from connectors.ports import CoveragePeriod, ExchangeMessage, TransmissionReceipt
from connectors.retry import call_with_retry
from connectors.transport import DEFAULT_MAX_RESPONSE_BYTES, json_object, make_client, send

MAX_PER_PAGE = 100


def _errors_of(response: httpx.Response) -> Any:
    try:
        return response.json().get("errors")
    except (ValueError, AttributeError):
        return None


def _raise_for_status(response: httpx.Response, *, operation: str) -> None:
    status = response.status_code
    errors = _errors_of(response)
    if status == 422:
        summary = "; ".join(f"{field}: {', '.join(map(str, problems))}"
                            for field, problems in (errors or {}).items()) if isinstance(errors, dict) else ""
        raise ValidationFailed(system=SYSTEM, operation=operation, status=status,
                               message=summary or "HTTP 422", details=errors)
    kind = Duplicate if status == 409 else ConnectorError
    raise kind(system=SYSTEM, operation=operation, status=status, message=f"HTTP {status}", details=errors)


def _id(exchange_id: str) -> str:
    return segment(exchange_id, what="carrier exchange id")


class CarrierExchangeConnector:
    """The exchange's resources; the API key travels in a header and is never logged."""

    def __init__(self, *, base_url: str, api_key: str, timeout_s: float = 10.0,
                 retry: Mapping[str, Any] | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self._http = make_client(base_url=base_url.rstrip("/"), timeout_s=timeout_s,
                                 headers={"Vericred-Api-Key": api_key, "Accept": "application/json"})
        self._retry = dict(retry or {})
        self._max_response_bytes = max_response_bytes

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CarrierExchangeConnector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, url: str, *, operation: str, body: Any = None,
              params: Mapping[str, Any] | None = None) -> tuple[httpx.Response, dict[str, Any]]:
        def once() -> tuple[httpx.Response, dict[str, Any]]:
            request = self._http.build_request(method, url, json=body, params=params)
            try:
                response = send(self._http, request, system=SYSTEM, operation=operation,
                                writes=method != "GET", max_bytes=self._max_response_bytes)
            except AccessDenied as error:
                raise AccessDenied(system=SYSTEM, operation=operation, status=error.status,
                                   message=f"the API key was refused (HTTP {error.status}): "
                                           "check CARRIER_EXCHANGE_API_KEY") from None
            if response.status_code >= 400:
                _raise_for_status(response, operation=operation)
            # A garbled body is read inside the retry: the request is idempotent by contract.
            return response, json_object(response, system=SYSTEM, operation=operation)

        return call_with_retry(once, **self._retry)

    def ensure_group(self, *, external_identifier: str, name: str, ein: str | None = None) -> str:
        """The exchange's group id for our employer (created once, found after that)."""
        operation = "ensure_group"
        group = {"external_identifier": external_identifier, "name": name} | ({"ein": ein} if ein else {})
        _, body = self._call("POST", "/groups", operation=operation, body={"group": group})
        record = records.Reader(operation).obj(body.get("group"), "group")
        return str(records.Reader(operation).text(record, "id", where="group."))

    def create_coverage_period(self, exchange_group_id: str, *, external_identifier: str, carrier_name: str,
                               carrier_group_number: str, coverage_start_date: str | None = None
                               ) -> CoveragePeriod:
        operation = "create_coverage_period"
        period = {"external_identifier": external_identifier, "carrier_name": carrier_name,
                  "carrier_group_number": carrier_group_number,
                  "coverage_start_date": coverage_start_date}
        path = f"/groups/{_id(exchange_group_id)}/coverage_periods"
        _, body = self._call("POST", path, operation=operation, body={"coverage_period": period})
        return records.coverage_period(body, operation=operation)

    def get_coverage_period(self, period_id: str) -> CoveragePeriod:
        operation = "get_coverage_period"
        _, body = self._call("GET", f"/coverage_periods/{_id(period_id)}", operation=operation)
        return records.coverage_period(body, operation=operation)

    def set_enabled(self, period_id: str, enabled: bool, *, group_number: str | None = None
                    ) -> CoveragePeriod:
        """Disable, or enable again with the group number (the exchange returns it to pending)."""
        operation = "set_enabled"
        change: dict[str, Any] = {"enabled": enabled}
        if group_number:
            change["carrier_group_number"] = group_number
        _, body = self._call("PATCH", f"/coverage_periods/{_id(period_id)}", operation=operation,
                             body={"coverage_period": change})
        return records.coverage_period(body, operation=operation)

    def set_group_number(self, period_id: str, group_number: str) -> CoveragePeriod:
        operation = "set_group_number"
        _, body = self._call("PATCH", f"/coverage_periods/{_id(period_id)}", operation=operation,
                             body={"coverage_period": {"carrier_group_number": group_number}})
        return records.coverage_period(body, operation=operation)

    def transmit(self, period_id: str, external_identifier: str,
                 changes: Sequence[EnrollmentChange]) -> TransmissionReceipt:
        """Queue enrollment changes; the same external identifier again returns the first one."""
        operation = "transmit"
        payload = [records.change_json(change) for change in changes]
        response, body = self._call(
            "POST", f"/coverage_periods/{_id(period_id)}/transmissions", operation=operation,
            body={"transmission": {"external_identifier": external_identifier, "changes": payload}})
        return records.transmission(body, operation=operation, replayed=response.status_code != 202)

    def list_errors(self, period_id: str, *, status: str | None = None) -> list[ExchangeMessage]:
        """Every carrier message of the period, following Link rel=next across pages."""
        operation = "list_errors"
        url: str | None = f"/coverage_periods/{_id(period_id)}/errors"
        params: dict[str, Any] | None = {"per_page": MAX_PER_PAGE} | ({"status": status} if status else {})
        found: list[ExchangeMessage] = []
        while url is not None:
            response, body = self._call("GET", url, operation=operation, params=params)
            items = body.get("errors")
            if not isinstance(items, list):
                raise BadResponse(system=SYSTEM, operation=operation, field="errors",
                                  message="errors must be a list")
            found.extend(records.exchange_message(item, operation=operation, where=f"errors[{index}].")
                         for index, item in enumerate(items))
            next_link = response.links.get("next")
            url, params = (next_link["url"], None) if next_link else (None, None)
        return found

    def resolve_error(self, error_id: str, message: str, changes: Mapping[str, Any] | None = None) -> None:
        """Send a resolution; the carrier sees it at its next scheduled sync."""
        self._call("POST", f"/errors/{_id(error_id)}/resolution", operation="resolve_error",
                   body={"resolution": {"message": message, "changes": dict(changes or {})}})
