"""`--agency` on every command, before or after it; without it, the only agency in service."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.logging import configure_logging
from config.migrate import upgrade_database
from config.secrets import new_key
from reconciliation.agency_input import AgencyChanges
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import sessions_for
from worker.cli.agency_option import hoisted
from worker.cli.app import main
from worker.service import agencies

UNREACHABLE = "http://127.0.0.1:9"


@pytest.mark.parametrize(("args", "expected"), [
    (["status", "grp_1", "--agency", "acme"], ["--agency", "acme", "status", "grp_1"]),
    (["-v", "sync", "--agency=acme", "grp_1"], ["-v", "--agency=acme", "sync", "grp_1"]),
    (["--agency", "acme", "status"], ["--agency", "acme", "status"]),
    (["catalogue", "show", "--agency", "acme"], ["catalogue", "show", "--agency", "acme"]),
    (["agencies", "show", "acme"], ["agencies", "show", "acme"]),
    (["status", "--agency"], ["status", "--agency"]),
])
def test_an_agency_after_the_command_is_read_as_the_global_option(args: list[str],
                                                                  expected: list[str]) -> None:
    assert hoisted(args) == expected


@pytest.fixture
def two_agencies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """acme and beta stored, each with one group of the same PerfectQuote id connected."""
    url = f"sqlite:///{tmp_path / 'plansync.db'}"
    for name, value in {"DATABASE_URL": url, "PLANSYNC_SECRET_KEY": new_key()}.items():
        monkeypatch.setenv(name, value)
    upgrade_database(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    for name in ("acme", "beta"):
        added = agencies.add(sessions, name=name, changes=AgencyChanges(
            perfectquote_url=UNREACHABLE, perfectquote_token=f"{name}-token", benefitpoint_url=UNREACHABLE,
            benefitpoint_username=name, benefitpoint_password=f"{name}-password",
            benefitpoint_link_field_id=9001, carrier_exchange_api_key=f"{name}-key"))
        assert added.id is not None
        with sessions_for(sessions, added.id).begin() as session:
            repo.connect_group(session, group_id="grp_1", group_name=f"{name.title()} Group",
                               account_id="5001", account_name=f"{name.title()} Account")
    configure_logging(level="warning", stream=io.StringIO())
    yield sessions
    configure_logging(level="info")
    engine.dispose()


def _plansync(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["plansync", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out + captured.err


def test_each_command_reads_the_agency_it_is_given(two_agencies: sessionmaker[Session],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _plansync(monkeypatch, capsys, "status", "--json")
    assert code == 2
    assert out.strip() == "plansync: 2 agencies are configured (acme, beta): name one with --agency"
    for name in ("acme", "beta"):
        code, out = _plansync(monkeypatch, capsys, "status", "--json", "--agency", name)
        assert code == 0, out
        assert [group["group_name"] for group in json.loads(out)["groups"]] == [f"{name.title()} Group"]
    monkeypatch.setenv("PLANSYNC_AGENCY", "beta")
    code, out = _plansync(monkeypatch, capsys, "status", "--json")
    assert code == 0 and [group["group_name"] for group in json.loads(out)["groups"]] == ["Beta Group"]
    code, out = _plansync(monkeypatch, capsys, "--agency", "gamma", "status")
    assert code == 2 and out.strip() == "plansync: no agency named 'gamma' (known: acme, beta)"
