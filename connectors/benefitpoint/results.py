"""BenefitPoint failures as typed connector errors: Result errors and SOAP Faults."""

from __future__ import annotations

import re
from typing import Any

from connectors.benefitpoint.soap import SYSTEM, SoapFault
from connectors.benefitpoint.xmltree import Native
from connectors.errors import (
    AccessDenied,
    BadResponse,
    ConnectorError,
    Duplicate,
    NotFound,
    TransientError,
    ValidationFailed,
)

ERROR_CODES: dict[str, type[ConnectorError]] = {
    "Validation_Error": ValidationFailed,
    "Access_Error": AccessDenied,
    "Duplicate_Error": Duplicate,
    "System_Error": TransientError,
    "Application_Error": ValidationFailed,
}
_UNKNOWN_ID = re.compile(r"(?i)(not found|does not exist|no such|unknown \w*id\b|invalid \w*id\b)")
INVALID_SESSION = "Invalid Session"


class InvalidSession(AccessDenied):
    """The session expired or is unknown: log in again once and repeat the call."""


def result_id(result: Native, *, operation: str) -> int | None:
    """The ID of a successful write; a `success=false` Result raises its typed error."""
    success = str(result.get("success", "")).strip().lower()
    if success not in {"true", "false", "1", "0"}:
        raise BadResponse(system=SYSTEM, operation=operation, field="Result.success",
                          message=f"success is {result.get('success')!r}, not a boolean")
    if success in {"false", "0"}:
        raise error_for_result(result, operation=operation)
    raw = result.get("ID")
    if raw in (None, ""):
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        raise BadResponse(system=SYSTEM, operation=operation, field="Result.ID",
                          message=f"ID {raw!r} is not a number") from None


def error_for_result(result: Native, *, operation: str) -> ConnectorError:
    errors: list[Any] = [e for e in result.get("errors", []) if isinstance(e, dict)]
    codes = [str(error.get("errorCode", "")).strip() for error in errors]
    message = "; ".join(
        f"{code or 'error'}: {str(error.get('message', '')).strip()}" for code, error in zip(codes, errors,
                                                                                             strict=True)
    ) or "success=false without errors"
    # The most severe code decides: access before duplicates before validation.
    for code in ("Access_Error", "Duplicate_Error", "Validation_Error", "Application_Error",
                 "System_Error"):
        if code in codes:
            return ERROR_CODES[code](system=SYSTEM, operation=operation, message=message,
                                     details={"errors": errors})
    return ValidationFailed(system=SYSTEM, operation=operation, message=message,
                            details={"errors": errors})


def error_for_fault(fault: SoapFault, *, operation: str, status: int) -> ConnectorError:
    text = f"{fault.text} {fault.detail}".strip()
    message = f"SOAP Fault {fault.code}: {fault.text}".strip()
    common = {"system": SYSTEM, "operation": operation, "message": message, "status": status,
              "details": {"faultcode": fault.code}}
    if INVALID_SESSION.lower() in text.lower():
        return InvalidSession(**common)
    # On a read, a fault about an unknown id means "no such object"; on a write it is invalid data.
    if operation.startswith(("get", "find")) and _UNKNOWN_ID.search(text):
        return NotFound(**common)
    for code, error_class in ERROR_CODES.items():
        if code in text:
            return error_class(**common)
    if local_code(fault.code) == "Client":
        return ValidationFailed(**common)
    return TransientError(**common)


def local_code(code: str) -> str:
    return code.rpartition(":")[2].split(".")[0]
