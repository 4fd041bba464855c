"""Failures become typed errors: Result codes, SOAP Faults, sessions, throttling, bad answers."""

from __future__ import annotations

import io
import json

import pytest

from config.logging import configure_logging
from connectors.benefitpoint.results import result_id
from connectors.errors import (
    AccessDenied,
    BadResponse,
    ConnectorError,
    Duplicate,
    NotFound,
    TransientError,
    ValidationFailed,
)
from tests.connectors.benefitpoint.fakes import ScriptedBenefitPoint, connector_for, fault, response, result

CARRIERS = response("getAvailableCarriers",
                    "<CarrierSummary><carrierID>101</carrierID><carrierName>Aetna</carrierName></CarrierSummary>")


@pytest.mark.parametrize(("code", "error_class"), [
    ("Validation_Error", ValidationFailed), ("Access_Error", AccessDenied), ("Duplicate_Error", Duplicate),
    ("System_Error", TransientError), ("Application_Error", ValidationFailed),
])
def test_each_result_error_code_is_its_typed_error(code: str, error_class: type[ConnectorError]) -> None:
    record = {"success": "false", "errors": [{"errorCode": code, "message": "name is required"}]}
    with pytest.raises(error_class) as caught:
        result_id(record, operation="createProduct")
    assert type(caught.value) is error_class
    assert caught.value.system == "benefitpoint"
    assert "name is required" in caught.value.message


def test_a_successful_result_gives_its_id_and_a_nonsense_one_is_a_bad_response() -> None:
    assert result_id({"success": "true", "ID": "700123"}, operation="createProduct") == 700123
    with pytest.raises(BadResponse) as caught:
        result_id({"success": "maybe"}, operation="createProduct")
    assert caught.value.field == "Result.success"


def test_a_failed_create_is_not_retried() -> None:
    fake = ScriptedBenefitPoint()
    fake.script("getAccount", (200, response("getAccount", "<Account><accountID>5</accountID>"
                                                "<officeID>1</officeID></Account>")))
    fake.script("createProduct", (200, response("createProduct", result(
        success=False, errors=(("Validation_Error", "carrierID 999 is unknown"),)))))
    from tests.connectors.benefitpoint.test_mapping import sample_plan
    with pytest.raises(ValidationFailed):
        connector_for(fake).create_plan("5", sample_plan(), link_id="lnk-1")
    assert fake.calls("createProduct") == 1
    assert fake.calls("findProducts") == 0


@pytest.mark.parametrize(("answer", "error_class"), [
    (fault("Product 12 does not exist", detail="<detail><errorCode>Validation_Error</errorCode></detail>"),
     NotFound),
    (fault("Access_Error: not allowed"), AccessDenied),
    (fault("Validation_Error: bad criteria"), ValidationFailed),
    (fault("something broke", code="soapenv:Server"), TransientError),
])
def test_faults_are_typed(answer: bytes, error_class: type[ConnectorError]) -> None:
    fake = ScriptedBenefitPoint().script("getAvailableCarriers", (500, answer))
    with pytest.raises(error_class) as caught:
        connector_for(fake, retry={"max_attempts": 1}).available_carriers()
    assert caught.value.operation == "getAvailableCarriers"
    assert caught.value.status == 500


def test_an_unknown_account_number_is_none() -> None:
    unknown = fault("Validation_Error: Account 9 does not exist")
    fake = ScriptedBenefitPoint().script("getAccount", (500, unknown))
    connector = connector_for(fake)
    assert connector.get_account("9") is None
    assert connector.get_account("not a number") is None
    assert fake.calls("getAccount") == 1


def test_an_invalid_session_logs_in_again_once_and_repeats_the_call() -> None:
    fake = ScriptedBenefitPoint().script(
        "getAvailableCarriers", (500, fault("Invalid Session: log in again")), (200, CARRIERS))
    carriers = connector_for(fake).available_carriers()
    assert [c.carrier_id for c in carriers] == [101]
    assert fake.calls("login") == 2
    assert fake.calls("getAvailableCarriers") == 2


def test_an_invalid_session_right_after_login_is_access_denied_not_a_loop() -> None:
    fake = ScriptedBenefitPoint().script("getAvailableCarriers", (500, fault("Invalid Session")))
    with pytest.raises(AccessDenied):
        connector_for(fake).available_carriers()
    assert fake.calls("login") == 2
    assert fake.calls("getAvailableCarriers") == 2


@pytest.mark.parametrize("session_id", ["x" * 600, "two words", "line\nbreak"])
def test_a_login_answer_that_is_not_a_token_is_refused(session_id: str) -> None:
    answer = response("login", f"<result><sessionID>{session_id}</sessionID></result>")
    fake = ScriptedBenefitPoint().script("login", (200, answer))
    with pytest.raises(BadResponse, match="sessionID is not a token") as caught:
        connector_for(fake).available_carriers()
    assert caught.value.operation == "login"
    assert fake.calls("getAvailableCarriers") == 0


def test_wrong_credentials_are_access_denied() -> None:
    fake = ScriptedBenefitPoint().script("login", (500, fault("Login failed: invalid username or password")))
    with pytest.raises(AccessDenied) as caught:
        connector_for(fake).available_carriers()
    assert caught.value.operation == "login"


def test_throttling_is_retried_honouring_retry_after() -> None:
    waits: list[float] = []
    fake = ScriptedBenefitPoint().script(
        "getAvailableCarriers", (503, b"busy", {"Retry-After": "2"}), (429, b"slow", {"Retry-After": "3"}),
        (502, b"gateway"), (200, CARRIERS))
    connector = connector_for(fake, retry={"max_attempts": 5, "sleep": waits.append})
    assert len(connector.available_carriers()) == 1
    assert fake.calls("getAvailableCarriers") == 4
    assert waits[0] >= 2 and waits[1] >= 3


def test_throttling_that_never_ends_gives_up_with_a_transient_error() -> None:
    fake = ScriptedBenefitPoint().script("getAvailableCarriers", (503, b"busy"))
    with pytest.raises(TransientError) as caught:
        connector_for(fake, retry={"max_attempts": 3, "sleep": lambda _s: None}).available_carriers()
    assert caught.value.status == 503
    assert fake.calls("getAvailableCarriers") == 3


@pytest.mark.parametrize("body", [b"<html>oops</html>", response("getAvailableCarriers", "<Carr")[:-40]])
def test_a_garbled_answer_is_a_bad_response_naming_the_operation(body: bytes) -> None:
    fake = ScriptedBenefitPoint().script("getAvailableCarriers", (200, body))
    with pytest.raises(BadResponse) as caught:
        connector_for(fake).available_carriers()
    assert (caught.value.system, caught.value.operation) == ("benefitpoint", "getAvailableCarriers")
    assert fake.calls("getAvailableCarriers") == 1


def test_neither_the_password_nor_the_session_id_reaches_a_log_line() -> None:
    stream = io.StringIO()
    configure_logging(level="debug", stream=stream)
    try:
        fake = ScriptedBenefitPoint().script(
            "getAvailableCarriers", (500, fault("Invalid Session")), (503, b"busy"), (200, CARRIERS))
        connector_for(fake).available_carriers()
    finally:
        configure_logging()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {line["event"] for line in lines} >= {"benefitpoint.login", "benefitpoint.session_renewed",
                                                   "http.retry"}
    assert "hunter2-pass" not in stream.getvalue()
    assert "s3cr3t-session" not in stream.getvalue()
