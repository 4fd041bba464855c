"""The carriers CLI over the service functions, against the sandbox and a SQLite file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from worker.cli.app import app
from worker.service.carrier_jobs import run_carrier_cycle

from .conftest import Exchange, ListEnrollment, member_change, migrated_factory


def test_configure_list_messages_resolve_diagnose(sqlite_url: str, exchange: Exchange) -> None:
    factory = migrated_factory(sqlite_url)
    env = {"DATABASE_URL": sqlite_url, "CARRIER_EXCHANGE_URL": exchange.url,
           "CARRIER_EXCHANGE_API_KEY": "sandbox-key"}
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["carriers", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Pending" in run("configure", "1", "aetna", "--group-number", "0123456-00", "--plan", "Choice POS",
                            "--plan-type", "medical", "--renewal-date", "2027-01-01")
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
    unknown = runner.invoke(app, ["carriers", "configure", "1", "acme-mutual", "--group-number", "1"],
                            env=env)
    assert unknown.exit_code == 1 and "acme-mutual" in unknown.output
    missing = runner.invoke(app, ["carriers", "disable", "42"], env=env)
    assert missing.exit_code == 1 and "integration 42 does not exist" in missing.output
    blank = runner.invoke(app, ["carriers", "configure", "1", "aetna", "--group-number", " "], env=env)
    assert blank.exit_code == 1 and "group number is required" in blank.output
