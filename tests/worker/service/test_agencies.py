"""Agencies through the service layer on both backends: secrets sealed at rest and never shown or logged,
bad input refused with nothing stored, the key's errors and rotation, which agency is resolved, and a
process context built from a stored agency."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from config.logging import configure_logging
from config.secrets import SecretBox, SecretKeyError, new_key
from config.settings import Settings
from reconciliation.agency_input import AgencyChanges, AgencyValueError
from reconciliation.storage.agencies import AgencyExists
from worker.service import agencies as service
from worker.service import agency_choice as choice
from worker.service.agencies import AgencyError, UnknownAgency

SECRETS = {"perfectquote_token": "pq-token-Zq81", "benefitpoint_password": "bp-pass-Wm42",
           "carrier_exchange_api_key": "ex-key-Lt07"}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def changes(*, url_host: str = "acme", **overrides: object) -> AgencyChanges:
    values: dict[str, object] = {
        "perfectquote_url": f"https://pq.{url_host}.example/api/v1", "benefitpoint_url": f"https://bp.{url_host}.example",
        "benefitpoint_username": "svc-plansync", "benefitpoint_link_field_id": 77,
        "benefitpoint_rates_writable": False, **SECRETS, **overrides}
    return AgencyChanges(**values)  # type: ignore[arg-type]


def raw_rows(sessions: sessionmaker[Session]) -> list[dict[str, object]]:
    with sessions() as session:
        query = text("SELECT * FROM agencies WHERE id <> 0 ORDER BY name")  # not the default agency's row
        return [dict(row) for row in session.execute(query).mappings()]


def test_secrets_are_sealed_at_rest_and_only_shown_as_set(
        sessions: sessionmaker[Session], key_env: dict[str, str], settings: Settings) -> None:
    added = service.add(sessions, name="acme", changes=changes(), env=key_env)
    [row] = raw_rows(sessions)
    box = SecretBox(key_env["PLANSYNC_SECRET_KEY"])
    for name, secret in SECRETS.items():
        assert secret not in str(row[name]) and str(row[name]).startswith("gAAAAA")
        assert box.open(str(row[name]), agency="acme") == secret
    shown = [added.as_dict(), service.show(sessions, "acme", settings=settings).as_dict(),
             *(listing.as_dict() for listing in service.list_agencies(sessions, settings=settings))]
    for listing in shown:
        assert {listing[name] for name in SECRETS} == {"set"}
        assert not any(secret in str(listing) for secret in SECRETS.values())
    assert shown[1]["benefitpoint_link_field_id"] == 77 and shown[1]["benefitpoint_rates_writable"] is False
    assert shown[1]["carrier_exchange_url"] is None and shown[1]["disabled"] is False


def test_no_log_line_carries_a_secret(sessions: sessionmaker[Session], key_env: dict[str, str]) -> None:
    stream = io.StringIO()
    configure_logging(level="debug", stream=stream)
    try:
        service.add(sessions, name="acme", changes=changes(), env=key_env)
        service.change(sessions, "acme", changes=AgencyChanges(perfectquote_token="pq-token-NEW9"),
                       env=key_env)
        service.disable(sessions, "acme", now=NOW)
        service.rotate_key(sessions, new_key=new_key(), env=key_env)
    finally:
        configure_logging(level="info")
    logged = stream.getvalue()
    assert '"agency.added"' in logged and '"agency.changed"' in logged and '"agency.key_rotated"' in logged
    assert '"perfectquote_token"' in logged  # the changed setting is named ...
    assert not any(secret in logged for secret in [*SECRETS.values(), "pq-token-NEW9"])  # ... never its value
    assert key_env["PLANSYNC_SECRET_KEY"] not in logged


@pytest.mark.parametrize(("name", "given", "error", "message"), [
    ("Acme", {}, AgencyValueError, "agency name 'Acme' is not 1-40 characters"),
    ("9lives", {}, AgencyValueError, "agency name '9lives' is not"),
    ("a" * 41, {}, AgencyValueError, "is not 1-40 characters"),
    ("default", {}, AgencyValueError, "agency name 'default' is kept"),
    ("beta", {"perfectquote_url": "pq.example/api"}, AgencyValueError,
     "the PerfectQuote URL 'pq.example/api' is not a URL starting with http:// or https://; write it as http://"),
    ("beta", {"benefitpoint_url": "ftp://bp.example"}, AgencyValueError, "the BenefitPoint URL 'ftp://"),
    ("beta", {"carrier_exchange_url": "https://"}, AgencyValueError,
     "the carrier exchange URL 'https://' names no host"),
    ("beta", {"benefitpoint_link_field_id": 0}, AgencyValueError, "field id 0 must be greater than zero"),
    ("beta", {"perfectquote_token": " "}, AgencyValueError, "the perfectquote token is empty"),
    ("acme", {}, AgencyExists, "agency 'acme' already exists"),
])
def test_bad_input_is_refused_naming_it_and_nothing_is_stored(
        sessions: sessionmaker[Session], key_env: dict[str, str], name: str, given: dict[str, object],
        error: type[Exception], message: str) -> None:
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    before = raw_rows(sessions)
    with pytest.raises(error) as raised:
        service.add(sessions, name=name, changes=changes(url_host="beta", **given), env=key_env)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert raw_rows(sessions) == before


def test_a_new_agency_needs_every_credential(sessions: sessionmaker[Session],
                                             key_env: dict[str, str]) -> None:
    with pytest.raises(AgencyValueError,
                       match="a new agency needs perfectquote_token, carrier_exchange_api_key"):
        service.add(sessions, name="acme", env=key_env,
                    changes=changes(perfectquote_token=None, carrier_exchange_api_key=None))
    assert raw_rows(sessions) == []


def test_an_unknown_agency_is_named_with_the_known_ones(
        sessions: sessionmaker[Session], key_env: dict[str, str], settings: Settings) -> None:
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    service.add(sessions, name="beta", changes=changes(url_host="beta"), env=key_env)
    calls = [lambda: service.show(sessions, "nope", settings=settings),
             lambda: service.change(sessions, "nope", changes=AgencyChanges(benefitpoint_username="x"),
                                    env=key_env),
             lambda: service.disable(sessions, "nope", now=NOW), lambda: service.enable(sessions, "nope")]
    for call in calls:
        with pytest.raises(UnknownAgency, match=r"^no agency named 'nope' \(known: acme, beta\)$"):
            call()


def test_a_missing_or_wrong_key_is_refused_and_nothing_changes(sessions: sessionmaker[Session],
                                                                key_env: dict[str, str]) -> None:
    with pytest.raises(SecretKeyError, match=r"^PLANSYNC_SECRET_KEY is not set"):
        service.add(sessions, name="acme", changes=changes(), env={})
    assert raw_rows(sessions) == []
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    before = raw_rows(sessions)
    wrong = {"PLANSYNC_SECRET_KEY": new_key()}
    refusal = "^PLANSYNC_SECRET_KEY cannot decrypt the credentials of agency acme: wrong key\\?$"
    with pytest.raises(SecretKeyError, match=refusal):
        service.add(sessions, name="beta", changes=changes(url_host="beta"), env=wrong)
    with pytest.raises(SecretKeyError, match=refusal):
        service.change(sessions, "acme", changes=AgencyChanges(perfectquote_token="other"), env=wrong)
    assert raw_rows(sessions) == before
    # A setting that is no secret needs no key.
    changed = service.change(sessions, "acme", changes=AgencyChanges(benefitpoint_rates_writable=True),
                             env={})
    assert changed.benefitpoint_rates_writable is True


def test_disable_and_enable(sessions: sessionmaker[Session], key_env: dict[str, str]) -> None:
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    assert service.disable(sessions, "acme", now=NOW).disabled_at == NOW
    assert service.disable(sessions, "acme", now=datetime(2026, 12, 2, tzinfo=UTC)).disabled_at == NOW
    assert service.enable(sessions, "acme").disabled is False


def test_rotate_key_re_seals_every_secret_and_the_old_key_opens_nothing(
        sessions: sessionmaker[Session], key_env: dict[str, str], settings: Settings) -> None:
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    service.add(sessions, name="beta", changes=changes(url_host="beta", carrier_exchange_api_key="ex-beta"),
                env=key_env)
    before = raw_rows(sessions)
    new_env = {"PLANSYNC_SECRET_KEY": key_env["PLANSYNC_SECRET_KEY"], "PLANSYNC_NEW_SECRET_KEY": new_key()}
    assert service.rotate_key(sessions, env=new_env) == 2
    after = raw_rows(sessions)
    assert all(a[name] != b[name] for a, b in zip(after, before, strict=True) for name in SECRETS)
    rotated = {"PLANSYNC_SECRET_KEY": new_env["PLANSYNC_NEW_SECRET_KEY"]}
    with sessions() as session:
        beta = choice.resolve_agency(session, "beta", settings=settings, env=rotated)
        assert beta.credentials.carrier_exchange_api_key == "ex-beta"
        assert beta.credentials.perfectquote_token == SECRETS["perfectquote_token"]
        with pytest.raises(SecretKeyError, match="cannot decrypt the credentials of agency acme: wrong key"):
            choice.resolve_agency(session, "acme", settings=settings, env=key_env)


def test_rotate_key_is_all_or_nothing(sessions: sessionmaker[Session], key_env: dict[str, str]) -> None:
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    stray = {"PLANSYNC_SECRET_KEY": new_key()}
    service.add(sessions, name="beta", changes=changes(url_host="beta"), env=key_env)
    # One token sealed under another key, as a half-done manual fix would leave it.
    with sessions.begin() as session:
        session.execute(text("UPDATE agencies SET carrier_exchange_api_key = :token WHERE name = 'beta'"),
                        {"token": SecretBox(stray["PLANSYNC_SECRET_KEY"]).seal("x")})
    before = raw_rows(sessions)
    with pytest.raises(SecretKeyError,
                       match=r"^PLANSYNC_SECRET_KEY cannot decrypt the credentials of agency beta"):
        service.rotate_key(sessions, new_key=new_key(), env=key_env)
    assert raw_rows(sessions) == before


def test_rotate_key_wants_a_new_key_that_differs(sessions: sessionmaker[Session],
                                                 key_env: dict[str, str]) -> None:
    service.add(sessions, name="acme", changes=changes(), env=key_env)
    with pytest.raises(SecretKeyError, match=r"^PLANSYNC_NEW_SECRET_KEY is not set"):
        service.rotate_key(sessions, env=key_env)
    with pytest.raises(AgencyError, match="the new key is the key in use"):
        service.rotate_key(sessions, new_key=key_env["PLANSYNC_SECRET_KEY"], env=key_env)
    with pytest.raises(SecretKeyError, match=r"^--new-key is not a Fernet key"):
        service.rotate_key(sessions, new_key="not-a-key", env=key_env)
