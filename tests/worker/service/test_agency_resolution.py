"""Which agency a command or a process gets, and a process context built from a stored agency."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.migrate import upgrade_database
from config.secrets import SecretKeyError, new_key
from config.settings import Settings, load_settings
from connectors.benefitpoint.catalogue_mapping import default_mapping
from connectors.sandbox.launcher import Sandboxes
from reconciliation.agency import DEFAULT_AGENCY_ID, Agency, default_agency
from reconciliation.agency_input import AgencyChanges
from reconciliation.storage import repository as repo
from reconciliation.storage.catalogues import save_catalogue
from tests.worker.service.conftest import FAST_SETTINGS, sqlite_copy
from worker.runtime.context import build_context, serviceable_agencies
from worker.service import agencies as service
from worker.service import agency_choice as choice
from worker.service.agencies import AgencyDisabled, AgencyError, UnknownAgency

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UNREACHABLE = "http://127.0.0.1:9"


def changes(host: str, **overrides: object) -> AgencyChanges:
    values: dict[str, object] = {
        "perfectquote_url": f"https://pq.{host}.example/api/v1", "perfectquote_token": f"pq-{host}",
        "benefitpoint_url": f"https://bp.{host}.example", "benefitpoint_username": "svc",
        "benefitpoint_password": f"bp-{host}", "benefitpoint_link_field_id": 77,
        "carrier_exchange_api_key": f"ex-{host}", **overrides}
    return AgencyChanges(**values)  # type: ignore[arg-type]


def resolve(sessions: sessionmaker[Session], name: str | None, settings: Settings,
            env: dict[str, str]) -> Agency:
    with sessions() as session:
        return choice.resolve_agency(session, name, settings=settings, env=env)


def test_with_no_agency_stored_the_environment_is_the_default_agency(
        sessions: sessionmaker[Session], settings: Settings) -> None:
    for name in (None, "default"):
        agency = resolve(sessions, name, settings, {})  # no key needed: nothing is decrypted
        assert (agency.id, agency.name) == (DEFAULT_AGENCY_ID, "default")
        assert agency.perfectquote_url == settings.perfectquote_url
        assert agency.credentials.perfectquote_token == "env-token"
    assert [agency.name for agency in choice.enabled_agencies(sessions, settings=settings, env={})] == [
        "default"]


def test_the_only_stored_agency_is_resolved_with_its_secrets_opened(
        sessions: sessionmaker[Session], settings: Settings, key_env: dict[str, str]) -> None:
    service.add(sessions, name="acme", changes=changes("acme"), env=key_env)
    agency = resolve(sessions, None, settings, key_env)
    assert (agency.name, agency.perfectquote_url, agency.benefitpoint_link_field_id) == (
        "acme", "https://pq.acme.example/api/v1", 77)
    assert agency.credentials.perfectquote_token == "pq-acme"
    assert agency.carrier_exchange_url == "https://ex.env.example"  # none stored: the environment's exchange
    assert "pq-acme" not in repr(agency)
    assert resolve(sessions, "default", settings, key_env).id == DEFAULT_AGENCY_ID
    with pytest.raises(SecretKeyError, match=r"^PLANSYNC_SECRET_KEY is not set"):
        resolve(sessions, None, settings, {})


def test_several_stored_want_a_name_and_an_unknown_name_lists_the_known(
        sessions: sessionmaker[Session], settings: Settings, key_env: dict[str, str]) -> None:
    service.add(sessions, name="acme", changes=changes("acme"), env=key_env)
    service.add(sessions, name="beta", changes=changes("beta", carrier_exchange_url="https://ex.beta.example"),
                env=key_env)
    with pytest.raises(AgencyError,
                       match=r"^2 agencies are configured \(acme, beta\): name one with --agency$"):
        resolve(sessions, None, settings, key_env)
    with pytest.raises(UnknownAgency, match=r"^no agency named 'gamma' \(known: acme, beta\)$"):
        resolve(sessions, "gamma", settings, key_env)
    beta = resolve(sessions, "beta", settings, key_env)
    assert (beta.credentials.benefitpoint_password, beta.carrier_exchange_url) == ("bp-beta",
                                                                                  "https://ex.beta.example")


def test_the_default_agency_stays_in_service_while_it_holds_groups(
        sessions: sessionmaker[Session], settings: Settings, key_env: dict[str, str]) -> None:
    with sessions.begin() as session:
        repo.connect_group(session, group_id="grp_1", group_name="One", account_id="1", account_name="One")
    service.add(sessions, name="acme", changes=changes("acme"), env=key_env)
    with pytest.raises(AgencyError, match=r"^2 agencies are configured \(acme, default\)"):
        resolve(sessions, None, settings, key_env)
    listed = service.list_agencies(sessions, settings=settings)
    assert [listing.name for listing in listed] == ["acme", "default"]
    assert [a.name for a in choice.enabled_agencies(sessions, settings=settings, env=key_env)] == [
        "acme", "default"]


def test_the_services_run_every_enabled_agency_and_refuse_to_start_with_none(
        sessions: sessionmaker[Session], settings: Settings, key_env: dict[str, str]) -> None:
    service.add(sessions, name="acme", changes=changes("acme"), env=key_env)
    service.disable(sessions, "acme", now=NOW)
    with pytest.raises(AgencyDisabled,
                       match=r"^every agency is disabled \(acme\): .*plansync agencies enable"):
        choice.check_serviceable(sessions, settings=settings, env=key_env)
    service.add(sessions, name="beta", changes=changes("beta"), env=key_env)
    assert [a.name for a in choice.check_serviceable(sessions, settings=settings, env=key_env)] == ["beta"]
    service.enable(sessions, "acme")
    assert [a.name for a in choice.enabled_agencies(sessions, settings=settings, env=key_env)] == [
        "acme", "beta"]


def test_a_database_without_agencies_yet_runs_the_default(tmp_path: Path) -> None:
    missing = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.db'}"})
    assert [agency.id for agency in serviceable_agencies(missing)] == [DEFAULT_AGENCY_ID]
    assert not (tmp_path / "never-created.db").exists()
    empty = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    make_engine(empty.database_url).connect().close()  # a file with no tables: not migrated yet
    assert [agency.name for agency in serviceable_agencies(empty)] == ["default"]


def test_the_context_of_a_stored_agency_talks_to_that_agencys_systems(
        sandboxes: Sandboxes, migrated_template: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment points nowhere, with wrong credentials: the stored agency reaches the sandboxes."""
    key = new_key()
    monkeypatch.setenv("PLANSYNC_SECRET_KEY", key)
    right = sandboxes.environment()
    settings = load_settings({**FAST_SETTINGS, "DATABASE_URL": sqlite_copy(migrated_template, tmp_path),
                              "PERFECTQUOTE_URL": UNREACHABLE, "PERFECTQUOTE_TOKEN": "wrong",
                              "BENEFITPOINT_URL": UNREACHABLE, "BENEFITPOINT_PASSWORD": "wrong",
                              "CARRIER_EXCHANGE_URL": UNREACHABLE, "CARRIER_EXCHANGE_API_KEY": "wrong"})
    engine = make_engine(settings.database_url)
    service.add(make_session_factory(engine), name="acme", changes=AgencyChanges(
        perfectquote_url=right["PERFECTQUOTE_URL"], perfectquote_token=right["PERFECTQUOTE_TOKEN"],
        benefitpoint_url=right["BENEFITPOINT_URL"], benefitpoint_username=right["BENEFITPOINT_USERNAME"],
        benefitpoint_password=right["BENEFITPOINT_PASSWORD"], benefitpoint_link_field_id=9001,
        benefitpoint_rates_writable=True, carrier_exchange_url=right["CARRIER_EXCHANGE_URL"],
        carrier_exchange_api_key=right["CARRIER_EXCHANGE_API_KEY"]))
    engine.dispose()
    context = build_context(settings)
    try:
        assert context.agency.name == "acme"
        assert context.perfectquote.search_groups("")
        assert context.benefitpoint.find_accounts()
        assert context.exchange.ensure_group(external_identifier="grp_agency", name="Agency test")
    finally:
        context.close()


def test_the_context_reads_with_the_agencys_applied_catalogue(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANSYNC_SECRET_KEY", new_key())
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'plansync.db'}"})
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    shipped = default_mapping()
    service.add(sessions, name="acme", changes=changes("acme"))
    with sessions.begin() as session:
        acme = choice.resolve_agency(session, "acme", settings=settings)
        save_catalogue(session, acme.id, replace(shipped, carriers=shipped.carriers[:1]))
    engine.dispose()
    context = build_context(settings)
    try:
        assert [c.code for c in context.benefitpoint._reader.crosswalk.carriers] == [shipped.carriers[0].code]
        assert "plansync catalogue apply --agency acme" in context.benefitpoint._reader.crosswalk.remedy
    finally:
        context.close()
    default = build_context(settings, agency=default_agency(settings))
    try:
        assert len(default.benefitpoint._reader.crosswalk.carriers) == len(shipped.carriers)
    finally:
        default.close()
