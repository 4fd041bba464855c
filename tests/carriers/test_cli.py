"""The carriers CLI over the service functions, against the sandbox and a SQLite file."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from config.logging import configure_logging
from worker.cli.app import app
from worker.service.carrier_jobs import run_carrier_cycle

from .conftest import Exchange, ListEnrollment, member_change, migrated_factory


@pytest.fixture(autouse=True)
def _logs_aside() -> Iterator[None]:
    """The CLI brings a SQLite database to the latest schema and logs it: keep logs out of the answers."""
    configure_logging(level="info", stream=io.StringIO())
    yield
    configure_logging(level="info")


def test_configure_list_messages_resolve_diagnose(sqlite_url: str, exchange: Exchange) -> None:
    factory = migrated_factory(sqlite_url)
    env = {"DATABASE_URL": sqlite_url, "CARRIER_EXCHANGE_URL": exchange.url,
           "CARRIER_EXCHANGE_API_KEY": "sandbox-key"}
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["carriers", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Pending" in run("configure", "grp_001", "aetna", "--group-number", "0123456-00",
                            "--plan", "Choice POS", "--plan-type", "medical", "--renewal-date", "2027-01-01")
    listed = run("list")
    assert "Aetna" in listed and "Pending" in listed and "Last Sync" in listed and "2027-01-01" in listed
    source = ListEnrollment([member_change("m_9", ssn="912-34-5678", first_name="Rosalind")])
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    exchange.advance(seconds=10)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    exchange.advance(days=1)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    [row] = json.loads(run("list", "--json"))
    assert row["status"].startswith("Active since ") and row["last_sync"] != "never" and row["next_sync"]
    failures = json.loads(run("messages", "--failures", "--json"))
    assert [(m["code"], m["member"]) for m in failures] == [("ssn_mismatch", "m_9")]
    output = run("resolve", str(failures[0]["id"]), "--message", "Corrected SSN",
                 "--change", "ssn=123-45-6789")
    assert "resolution pending carrier sync" in output
    messages = run("messages")
    assert "resolution pending carrier sync" in messages
    assert "912-34-5678" not in messages + output and "Rosalind" not in messages
    findings = json.loads(run("diagnose", str(row["id"]), "--json"))["findings"]
    assert [f["cause"] for f in findings] == ["not_yet_due"]


def test_bad_input_is_a_clear_error(sqlite_url: str, exchange: Exchange) -> None:
    migrated_factory(sqlite_url)
    env = {"DATABASE_URL": sqlite_url, "CARRIER_EXCHANGE_URL": exchange.url}
    runner = CliRunner()
    unknown = runner.invoke(app, ["carriers", "configure", "grp_001", "acme-mutual", "--group-number", "1"],
                            env=env)
    assert unknown.exit_code == 2 and "acme-mutual" in unknown.output
    missing = runner.invoke(app, ["carriers", "disable", "42"], env=env)
    assert missing.exit_code == 2 and "integration 42 does not exist" in missing.output
    blank = runner.invoke(app, ["carriers", "configure", "grp_001", "aetna", "--group-number", " "], env=env)
    assert blank.exit_code == 2 and "group number is required" in blank.output
    not_connected = runner.invoke(app, ["carriers", "configure", "grp_404", "aetna", "--group-number", "1"],
                                  env=env)
    assert not_connected.exit_code == 2 and not_connected.output.count("\n") == 1
    assert "PerfectQuote group 'grp_404' is not connected" in not_connected.output


def test_a_group_id_on_an_empty_database_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = CliRunner().invoke(app, ["carriers", "configure", "grp_001", "aetna", "--group-number", "1"],
                                env=env)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        "plansync carriers: PerfectQuote group 'grp_001' is not connected; "
        "connect it with 'plansync groups connect'"]
