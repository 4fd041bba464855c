"""`plansync agencies` as an operator uses it: secrets never printed or logged, one-line refusals that store
nothing, the key's errors and rotation, and a worker or clock that will not start on a disabled agency."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from config.logging import configure_logging
from config.secrets import new_key
from tests.conftest import REDIS_URL
from worker.cli.app import app
from worker.runtime.process_context import set_context

SECRETS = ("pq-token-Zq81", "bp-pass-Wm42", "ex-key-Lt07")
ADD = ("agencies", "add", "acme", "--perfectquote-url", "https://pq.acme.example/api/v1",
       "--perfectquote-token", SECRETS[0], "--benefitpoint-url", "https://bp.acme.example",
       "--benefitpoint-username", "svc", "--benefitpoint-password", SECRETS[1],
       "--benefitpoint-link-field-id", "77", "--exchange-api-key", SECRETS[2])


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Every log line the commands write, at debug, kept aside from their answers."""
    stream = io.StringIO()
    configure_logging(level="debug", stream=stream)
    yield stream
    configure_logging(level="info")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'plansync.db'}", "PLANSYNC_SECRET_KEY": new_key()}


def run(env: dict[str, str], *args: str, code: int = 0, prompt: str | None = None) -> Result:
    result = CliRunner().invoke(app, list(args), env=env, input=prompt)
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
    return result


def refusal(result: Result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_add_list_show_print_no_secret_and_log_none(env: dict[str, str], logged: io.StringIO) -> None:
    outputs = [run(env, *ADD).output]
    listed = run(env, "agencies", "list")
    assert "acme" in listed.output and "enabled" in listed.output
    [listing] = json.loads(run(env, "agencies", "list", "--json").stdout)
    shown = json.loads(run(env, "agencies", "show", "acme", "--json").stdout)
    assert listing == shown
    secrets = ("perfectquote_token", "benefitpoint_password", "carrier_exchange_api_key")
    assert [shown[name] for name in secrets] == ["set", "set", "set"]
    assert shown["benefitpoint_link_field_id"] == 77 and shown["benefitpoint_rates_writable"] is True
    outputs += [listed.output, run(env, "agencies", "show", "acme").output,
                run(env, "agencies", "set", "acme", "--perfectquote-token", "pq-token-NEW9").output]
    everything = "".join(outputs) + logged.getvalue()
    assert not any(secret in everything for secret in (*SECRETS, "pq-token-NEW9", env["PLANSYNC_SECRET_KEY"]))
    assert "agency.added" in logged.getvalue() and "agency.changed" in logged.getvalue()


def test_a_secret_given_as_dash_is_asked_for_unechoed(env: dict[str, str], logged: io.StringIO) -> None:
    args = list(ADD)
    args[args.index(SECRETS[1])] = "-"
    result = run(env, *args, prompt="bp-asked-Qx5\n")
    assert "bp-asked-Qx5" not in result.output
    assert json.loads(run(env, "agencies", "show", "acme", "--json").stdout)["benefitpoint_password"] == "set"


@pytest.mark.parametrize(("args", "message"), [
    (("agencies", "add", "Acme_1"), "plansync agencies: agency name 'Acme_1' is not 1-40 characters"),
    (tuple(a if a != "https://pq.acme.example/api/v1" else "pq.acme.example" for a in ADD),
     "plansync agencies: the PerfectQuote URL 'pq.acme.example' is not a URL starting with http:// or https://"),
    (("agencies", "show", "nope"), "plansync agencies: no agency named 'nope' (known: default)"),
    (("agencies", "disable", "nope"), "plansync agencies: no agency named 'nope'"),
    (("agencies", "set", "nope", "--benefitpoint-username", "x"),
     "plansync agencies: no agency named 'nope'"),
])
def test_bad_input_is_one_line_exit_2_and_stores_nothing(env: dict[str, str], logged: io.StringIO,
                                                         args: tuple[str, ...], message: str) -> None:
    assert refusal(run(env, *args, code=2)).startswith(message)
    # With none stored, the list is the environment's default agency alone.
    listed = json.loads(run(env, "agencies", "list", "--json").stdout)
    assert [shown["name"] for shown in listed] == ["default"]


def test_a_duplicate_name_is_refused(env: dict[str, str], logged: io.StringIO) -> None:
    run(env, *ADD)
    assert refusal(run(env, *ADD, code=2)) == "plansync agencies: agency 'acme' already exists"
    assert len(json.loads(run(env, "agencies", "list", "--json").stdout)) == 1


def test_a_missing_or_wrong_key_is_one_line_exit_2(env: dict[str, str], logged: io.StringIO) -> None:
    assert refusal(run({**env, "PLANSYNC_SECRET_KEY": ""}, *ADD, code=2)).startswith(
        "plansync agencies: PLANSYNC_SECRET_KEY is not set")
    run(env, *ADD)
    wrong = {**env, "PLANSYNC_SECRET_KEY": new_key()}
    assert refusal(run(wrong, "agencies", "set", "acme", "--perfectquote-token", "t", code=2)) == (
        "plansync agencies: PLANSYNC_SECRET_KEY cannot decrypt the credentials of agency acme: wrong key?")
    assert refusal(run({**env, "PLANSYNC_SECRET_KEY": "not-a-key"}, "agencies", "set", "acme",
                       "--exchange-api-key", "k", code=2)).startswith(
        "plansync agencies: PLANSYNC_SECRET_KEY is not a Fernet key")


def test_rotate_key_round_trip(env: dict[str, str], logged: io.StringIO) -> None:
    run(env, *ADD)
    new = new_key()
    said = run({**env, "PLANSYNC_NEW_SECRET_KEY": new}, "agencies", "rotate-key").output
    assert "Credentials of 1 agency re-encrypted" in said and "set PLANSYNC_SECRET_KEY to the new key" in said
    assert new not in said and env["PLANSYNC_SECRET_KEY"] not in said
    assert "wrong key?" in refusal(run(env, "agencies", "set", "acme", "--perfectquote-token", "t", code=2))
    run({**env, "PLANSYNC_SECRET_KEY": new}, "agencies", "set", "acme", "--perfectquote-token", "t")
    stale = {**env, "PLANSYNC_NEW_SECRET_KEY": new_key()}  # the old key, once the rotation is done
    assert "wrong key?" in refusal(run(stale, "agencies", "rotate-key", code=2))


def test_new_key_prints_a_key_the_commands_accept(env: dict[str, str], logged: io.StringIO) -> None:
    key = run(env, "agencies", "new-key").stdout.strip()
    run({**env, "PLANSYNC_SECRET_KEY": key}, *ADD)


def test_the_worker_and_clock_refuse_to_start_with_every_agency_disabled(env: dict[str, str],
                                                                          logged: io.StringIO) -> None:
    run(env, *ADD)
    run(env, "agencies", "disable", "acme")
    for command, extra in (("worker", {}), ("clock", {"REDIS_URL": REDIS_URL})):
        line = refusal(run({**env, **extra}, command, code=1))
        assert line.startswith("plansync: every agency is disabled (acme):")
        assert "plansync agencies enable NAME" in line


def test_a_command_that_needs_the_systems_refuses_a_disabled_agency_too(env: dict[str, str],
                                                                        logged: io.StringIO) -> None:
    run(env, *ADD)
    run(env, "agencies", "disable", "acme")
    set_context(None)  # the command builds this process's context from the stored agency
    try:
        line = refusal(run(env, "accounts", "search", "Acme", code=1))
    finally:
        set_context(None)
    assert line.startswith("plansync: agency acme is disabled:")
