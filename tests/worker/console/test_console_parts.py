"""The console's parts without a browser: passwords, settings, the command, the chooser, filters, Sync now."""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from datetime import datetime
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from config.logging import configure_logging
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, LinkMapError
from reconciliation.side import Side
from tests.worker.console.conftest import PASSWORD, SECRET_KEY, Console
from worker.cli.app import app
from worker.console.auth import ConsoleSettingsError, load_console_auth
from worker.console.chooser import entries_from_form
from worker.console.jobs import SyncJobs
from worker.console.passwords import PBKDF2, PasswordHashError, hash_password, parse_hash
from worker.console.routes.overview import listed
from worker.console.web import ago, shown

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
NO_CONSOLE_ENV = {"CONSOLE_PASSWORD": None, "CONSOLE_PASSWORD_HASH": None, "CONSOLE_SECRET_KEY": None}


def test_a_password_hash_checks_the_password_and_reads_back() -> None:
    stored = hash_password("s3cret pass")
    assert stored.matches("s3cret pass") and not stored.matches("s3cret pasS") and not stored.matches("")
    again = parse_hash(stored.text())
    assert again.matches("s3cret pass") and again.text().startswith("scrypt$16384$8$1$")
    assert "digest" not in repr(again) and "salt=" not in repr(again)


def test_a_pbkdf2_hash_is_accepted_too() -> None:
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", b"hunter2", salt, 1000)
    text = f"{PBKDF2}$1000${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert parse_hash(text).matches("hunter2") and not parse_hash(text).matches("hunter3")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain-password",
        "scrypt$16384$8$1$!!$AAAA",
        "md5$1$YQ==$YQ==",
        "scrypt$1000$8$1$YWJjZA==$" + "A" * 44,
    ],
)
def test_a_malformed_hash_is_refused_without_repeating_it(text: str) -> None:
    with pytest.raises(PasswordHashError) as refused:
        parse_hash(text)
    assert text not in str(refused.value) or not text


def test_settings_name_the_missing_variable_and_never_the_values() -> None:
    with pytest.raises(
        ConsoleSettingsError, match=r"^CONSOLE_PASSWORD is not set \(or CONSOLE_PASSWORD_HASH\)"
    ):
        load_console_auth({})
    with pytest.raises(ConsoleSettingsError, match="not both"):
        load_console_auth({"CONSOLE_PASSWORD": "a", "CONSOLE_PASSWORD_HASH": hash_password("a").text()})
    with pytest.raises(ConsoleSettingsError, match="CONSOLE_PASSWORD_HASH: not a password hash") as bad:
        load_console_auth({"CONSOLE_PASSWORD_HASH": "hunter2"})
    assert "hunter2" not in str(bad.value)
    with pytest.raises(ConsoleSettingsError, match="CONSOLE_SECRET_KEY is shorter than 32") as short:
        load_console_auth({"CONSOLE_PASSWORD": "a", "CONSOLE_SECRET_KEY": "tiny-key"})
    assert "tiny-key" not in str(short.value)
    auth = load_console_auth({"CONSOLE_PASSWORD": PASSWORD, "CONSOLE_COOKIE_SECURE": "true"})
    assert auth.secret_generated and auth.cookie_secure and auth.password.matches(PASSWORD)
    assert PASSWORD not in repr(auth) and auth.secret_key not in repr(auth)
    hashed = load_console_auth(
        {"CONSOLE_PASSWORD_HASH": hash_password(PASSWORD).text(), "CONSOLE_SECRET_KEY": SECRET_KEY}
    )
    assert (
        hashed.password.matches(PASSWORD) and hashed.secret_key == SECRET_KEY and not hashed.secret_generated
    )


def test_the_command_refuses_to_start_without_a_password() -> None:
    result = CliRunner().invoke(app, ["console", "--port", "8099"], env=NO_CONSOLE_ENV)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "plansync console: CONSOLE_PASSWORD is not set (or CONSOLE_PASSWORD_HASH): the console needs a "
        "password to sign in with"
    ]


def test_the_command_makes_a_password_hash() -> None:
    result = CliRunner().invoke(
        app, ["console", "--hash-password"], input="pa55 word\npa55 word\n", env=NO_CONSOLE_ENV
    )
    assert result.exit_code == 0, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert load_console_auth({"CONSOLE_PASSWORD_HASH": line}).password.matches("pa55 word")


def test_the_password_and_the_secret_key_are_never_logged(console: Console) -> None:
    stream = io.StringIO()
    configure_logging(level="debug", stream=stream)
    try:
        with httpx.Client(base_url=console.url) as client:
            token = client.get("/signin").text.split('name="csrf_token" value="')[1].split('"')[0]
            assert (
                client.post("/signin", data={"csrf_token": token, "password": "a wrong one"}).status_code
                == 401
            )
            assert client.post("/signin", data={"csrf_token": token, "password": PASSWORD}).status_code == 303
    finally:
        configure_logging(level="info")
    logged = stream.getvalue()
    assert "console.signin.refused" in logged and "console.signin.succeeded" in logged
    for secret in (PASSWORD, "a wrong one", SECRET_KEY):
        assert secret not in logged


def test_the_chooser_form_becomes_link_map_entries() -> None:
    entries = entries_from_form(
        {
            "pq:p1": "merge:b1",
            "truth:pq:p1": "benefitpoint",
            "pq:p2": "copy",
            "bp:b2": "skip",
            "bp:b3": "",
            "pq:p3": "",
        }
    )
    assert entries == [
        LinkEntry.merge("p1", "b1", source_of_truth=BP),
        LinkEntry.copy(PQ, "p2"),
        LinkEntry.skip(BP, "b2"),
    ]
    assert {entry.choice for entry in entries} == {Choice.MERGE, Choice.COPY, Choice.SKIP}


def test_the_chooser_reports_every_problem_at_once() -> None:
    with pytest.raises(LinkMapError) as refused:
        entries_from_form({"pq:p1": "merge:b1", "bp:b2": "merge:p9", "pq:p3": "delete"})
    assert refused.value.problems == [
        "merge of pq:p1 with bp:b1: choose which system's plan is the source of truth",
        "bp:b2: 'merge:p9' is not a choice (skip, copy or merge)",
        "pq:p3: 'delete' is not a choice (skip, copy or merge)",
    ]
    with pytest.raises(LinkMapError, match="nothing chosen"):
        entries_from_form({"pq:p1": "", "truth:pq:p1": "perfectquote"})


def _group(group_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "group_name": f"Name {group_id}",
        "account_id": "1",
        "account_name": "Acct",
        "links": 1,
        "last_run": {"outcome": "succeeded"},
        "open_conflicts": 0,
        "orphaned": [],
        "errors": {},
        "held": [],
        "unreviewed": 0,
        **overrides,
    }


def test_the_overview_filter() -> None:
    groups = [
        _group("g1"),
        _group("g2", open_conflicts=2),
        _group("g3", last_run=None),
        _group("g4", last_run={"outcome": "failed"}, errors={"l1": "boom"}),
        _group("g5", unreviewed=3),
    ]

    def ids(**kwargs: str) -> list[str]:
        return [group["group_id"] for group in listed(groups, **{"text": "", "show": "all", **kwargs})]

    assert ids() == ["g1", "g2", "g3", "g4", "g5"]
    assert ids(show="attention") == ["g2", "g3", "g4", "g5"]
    assert (ids(show="conflicts"), ids(show="never"), ids(show="failing")) == (["g2"], ["g3"], ["g4"])
    assert (ids(show="errors"), ids(show="unreviewed")) == (["g4"], ["g5"])
    assert ids(text="NAME G2") == ["g2"]


def test_values_as_people_read_them() -> None:
    assert (shown(None), shown(""), shown("20.00"), shown({"b": 1, "a": [2]})) == (
        "-",
        "-",
        "20.00",
        '{"a": [2], "b": 1}',
    )
    assert ago(None) == "never"
    assert (
        ago("2026-01-01T00:00:00+00:00", now=datetime.fromisoformat("2026-01-01T00:00:42+00:00"))
        == "42 s ago"
    )
    assert (
        ago("2026-01-01T00:00:00+00:00", now=datetime.fromisoformat("2026-01-03T05:00:00+00:00")) == "2 d ago"
    )


def test_sync_now_runs_one_sync_per_group_at_a_time_and_always_ends() -> None:
    release = threading.Event()
    calls: list[str] = []

    def run(group_id: str) -> dict[str, Any]:
        calls.append(group_id)
        release.wait(5)
        if group_id == "bad":
            raise LookupError("PerfectQuote group 'bad' is not connected")
        if group_id == "crash":
            raise RuntimeError("boom")
        return {"run_id": "7", "outcome": "succeeded", "counts": {"updated": 1}}

    jobs = SyncJobs(run)
    try:
        first = jobs.start("grp_001")
        assert jobs.start("grp_001") is first and first.state == "running"
        failing, crashing = jobs.start("bad"), jobs.start("crash")
        release.set()
        for job in (first, failing, crashing):
            for _ in range(500):
                if job.state != "running":
                    break
                threading.Event().wait(0.01)
        assert (first.state, first.as_dict()["outcome"], first.as_dict()["run_id"]) == (
            "finished",
            "succeeded",
            "7",
        )
        assert (failing.state, failing.result["error"]) == (
            "failed",
            "PerfectQuote group 'bad' is not connected",
        )
        assert (crashing.state, crashing.result["error"]) == ("failed", "RuntimeError: boom")
        assert sorted(calls) == ["bad", "crash", "grp_001"] and jobs.get(first.id) is first
        assert jobs.get("nope") is None
    finally:
        jobs.close()


def test_with_a_broker_sync_now_enqueues_and_reads_the_workers_outcome(
    monkeypatch: pytest.MonkeyPatch, console: Console
) -> None:
    from dataclasses import replace

    from worker.console import jobs

    answers: list[dict[str, Any] | None] = [
        {
            "status": "finished",
            "group_id": "grp_001",
            "summary": {"run_id": "9", "outcome": "partial", "counts": {"errors": 1}, "error": None},
        },
        {"status": "failed", "group_id": "grp_001", "error": "RunFailed: perfectquote list_plans: 503"},
        None,
    ]
    sent: list[tuple[str, str, float | None]] = []

    def enqueue(group_id: str, *, trigger: str, wait_s: float | None = None,
                agency_id: int = 0) -> dict[str, Any] | None:
        sent.append((group_id, trigger, wait_s))
        return answers.pop(0)

    monkeypatch.setattr(jobs, "enqueue_sync", enqueue)
    context = replace(
        console.world.context,
        settings=replace(console.world.context.settings, redis_url="redis://127.0.0.1:6379/0"),
    )
    assert jobs.run_sync(context, "grp_001") == {
        "run_id": "9",
        "outcome": "partial",
        "counts": {"errors": 1},
        "error": None,
        "link_errors": {},
        "writes": 0,
    }
    assert jobs.run_sync(context, "grp_001") == {
        "outcome": "failed",
        "error": "RunFailed: perfectquote list_plans: 503",
    }
    assert (
        jobs.run_sync(context, "grp_001")["error"]
        == "no worker answered within 600 s; the run is still queued"
    )
    assert sent == [("grp_001", "manual", jobs.WAIT_S)] * 3


def test_after_sign_in_only_a_page_of_the_console_is_a_destination() -> None:
    from worker.console.auth import _next_page

    assert _next_page("/runs?outcome=failed") == "/runs?outcome=failed"
    for elsewhere in ("//evil.example/x", "https://evil.example", "/\\evil.example", "", None, "runs"):
        assert _next_page(elsewhere) == "/"


def test_five_wrong_passwords_lock_the_address_out_for_a_while(console: Console) -> None:
    with httpx.Client(base_url=console.url) as client:
        token = client.get("/signin").text.split('name="csrf_token" value="')[1].split('"')[0]
        for _ in range(5):
            assert client.post("/signin", data={"csrf_token": token, "password": "guess"}).status_code == 401
        locked = client.post("/signin", data={"csrf_token": token, "password": PASSWORD})
        assert locked.status_code == 429 and "Too many wrong passwords" in locked.text
        assert client.get("/").status_code == 303
