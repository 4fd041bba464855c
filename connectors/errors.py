"""Typed errors every connector raises: what failed, where, and whether to try again."""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """A call to an outside system failed; names the system and the operation."""

    retryable = False

    def __init__(self, *, system: str, operation: str, message: str,
                 status: int | None = None, details: Any = None) -> None:
        super().__init__(f"{system} {operation}: {message}")
        self.system = system
        self.operation = operation
        self.message = message
        self.status = status
        self.details = details


class TransientError(ConnectorError):
    """Connect errors, timeouts, 429, 5xx: worth another try after `retry_after_s`."""

    retryable = True

    def __init__(self, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after_s = retry_after_s


class ValidationFailed(ConnectorError):
    """The system refused the data (422, Validation_Error); recorded against the plan."""


class AccessDenied(ConnectorError):
    """401 / 403 / Access_Error: credentials or permissions, never retried."""


class NotFound(ConnectorError):
    """The object does not exist (404, unknown id)."""


class Duplicate(ConnectorError):
    """409 or Duplicate_Error: an idempotency key reused with another body, a duplicate."""


class StaleVersion(ConnectorError):
    """The object changed since it was read (412, newer lastModifiedOn)."""

    def __init__(self, *, current: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current = current


class BadResponse(ConnectorError):
    """The answer was not what the contract promises; names the field at fault."""

    def __init__(self, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field = field
