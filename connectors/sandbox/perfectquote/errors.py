"""The sandbox's API errors, rendered in the contract's error shape."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than success: status, code, message, field details, extra body keys."""

    def __init__(self, status: int, code: str, message: str, *,
                 details: list[dict[str, str]] | None = None, extra: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error, **self.extra}


def invalid(details: list[dict[str, str]]) -> ApiError:
    fields = ", ".join(detail["field"] for detail in details)
    return ApiError(422, "validation_failed", f"the plan is not valid ({fields})", details=details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident!r} does not exist")
