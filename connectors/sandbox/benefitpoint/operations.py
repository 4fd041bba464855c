"""One SOAP call from bytes to bytes: envelope, operation, SOAPAction, session, handler, answer."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from config.logging import get_logger
from connectors.sandbox.benefitpoint import reads, writes
from connectors.sandbox.benefitpoint.codec import decode_fields
from connectors.sandbox.benefitpoint.signatures import OPERATIONS
from connectors.sandbox.benefitpoint.soap_fault import SoapFault, invalid_session
from connectors.sandbox.benefitpoint.soap_io import parse_request, render_fault, render_response
from connectors.sandbox.benefitpoint.store import Store

SANDBOX_USERNAME = "sandbox"
SANDBOX_PASSWORD = "sandbox"

Handler = Callable[[Store, dict[str, Any]], Any]
log = get_logger(__name__)


def login(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    username, password = store.credentials
    username_ok = secrets.compare_digest(params["username"].encode(), username.encode())
    password_ok = secrets.compare_digest(params["password"].encode(), password.encode())
    if not (username_ok and password_ok):
        raise SoapFault("Login failed: invalid username or password", error_code="Access_Error")
    return {"sessionID": store.open_session()}


HANDLERS: dict[str, Handler] = {
    "login": login,
    "findAccounts": reads.find_accounts,
    "getAccount": reads.get_account,
    "getAvailableCarriers": reads.get_available_carriers,
    "getProductTypes": reads.get_product_types,
    "findProducts": reads.find_products,
    "getProduct": reads.get_product,
    "createProduct": writes.create_product,
    "updateProduct": writes.update_product,
    "findBenefitSummaries": reads.find_benefit_summaries,
    "getBenefitSummary": reads.get_benefit_summary,
    "createBenefitSummary": writes.create_benefit_summary,
    "updateBenefitSummary": writes.update_benefit_summary,
    "getBenefitSummaryStructure": reads.get_benefit_summary_structure,
    "findRates": reads.find_rates,
    "getRate": reads.get_rate,
    "createRate": writes.create_rate,
    "updateRate": writes.update_rate,
    "findChanges": reads.find_changes,
}


def handle(store: Store, *, path: str, payload: bytes, soap_action: str | None) -> tuple[int, bytes]:
    """The HTTP status and body for one request: 200 with the answer, or 500 with a Fault."""
    try:
        return 200, _answer(store, path=path, payload=payload, soap_action=soap_action)
    except SoapFault as fault:
        return 500, render_fault(fault)
    except Exception as error:
        log.error("sandbox.benefitpoint.internal_error", path=path, error_type=type(error).__name__)
        return 500, render_fault(SoapFault("internal error", code="Server", error_code="System_Error"))


def _answer(store: Store, *, path: str, payload: bytes, soap_action: str | None) -> bytes:
    request = parse_request(payload)
    operation = OPERATIONS.get((path, request.operation))
    if operation is None:
        raise SoapFault(f"operation <{request.operation}> is not offered at {path}")
    with store.lock:
        store.calls[operation.name] += 1
        action = (soap_action or "").strip().strip('"')
        if action != operation.soap_action:
            raise SoapFault(f"SOAPAction {action!r} does not match operation <{operation.name}> "
                            f"(expected {operation.soap_action!r})")
        if operation.needs_session and not store.session_valid(request.session_id):
            raise invalid_session()
        params = decode_fields(request.body, operation.params, path=operation.name)
        return render_response(operation, HANDLERS[operation.name](store, params))
