"""The one error a handler raises to answer with a SOAP Fault (HTTP 500)."""

from __future__ import annotations


class SoapFault(Exception):
    """`code` is the SOAP faultcode (Client or Server); `error_code` goes in the detail."""

    def __init__(self, message: str, *, code: str = "Client", error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.error_code = error_code

    @property
    def faultstring(self) -> str:
        return f"{self.error_code}: {self.message}" if self.error_code else self.message


def invalid_session() -> SoapFault:
    return SoapFault("Invalid Session: log in again", error_code="Access_Error")


def not_found(what: str, entity_id: int) -> SoapFault:
    return SoapFault(f"{what} {entity_id} does not exist", error_code="Validation_Error")
