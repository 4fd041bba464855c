"""The CLI for people through the installed `plansync`: exit codes per command family, -h and --version,
quiet stderr, human output or --json, repeatable --merge, a dry run's counts, `sync --wait` with no worker."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from config.settings import load_settings
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from tests.conftest import REDIS_URL
from tests.worker.cli.commands import PLANSYNC, Answer, Terminal, base_env, plansync, plansync_all
from worker.cli.app import package_version
from worker.cli.sync import _run_here
from worker.runtime.context import build_context

UNREACHABLE = "http://127.0.0.1:1"


@dataclass(frozen=True)
class Family:
    """One command of a family, and the exit code it must end with."""

    name: str
    args: tuple[str, ...]
    code: int
    says: str = ""
    env: dict[str, str] = field(default_factory=dict)


FAMILIES = [
    # 0: done. Help and version anywhere are answers too.
    Family("version", ("--version",), 0, f"plansync {package_version()}"),
    Family("-h", ("-h",), 0, "Exit codes: 0 done, 1 failed, 2 bad input, 3 partial"),
    Family("sync -h", ("sync", "-h"), 0, "--wait-s"),
    Family("-h with a malformed setting", ("link", "-h"), 0, "--merge", env={"DATABASE_URL": "postgres://x/y"}),
    Family("--version with a malformed setting", ("--version",), 0, "plansync",
           env={"REDIS_URL": "127.0.0.1:6379"}),
    Family("carriers list -h", ("carriers", "list", "-h"), 0, "Configure tab"),
    Family("db -h", ("db", "-h"), 0, "upgrade"),
    Family("status", ("status",), 0, "grp_001 Acme Widgets <-> 48201"),
    Family("plans", ("plans", "grp_001"), 0, "Gold PPO 3000"),
    Family("changes", ("changes", "grp_001"), 0, "when"),
    Family("conflicts", ("conflicts",), 0, "conflict"),
    Family("sync dry run", ("sync", "grp_001", "--dry-run"), 0, "Dry run (nothing written) of grp_001"),
    Family("groups search", ("groups", "search", "acme"), 0, "grp_001"),
    Family("accounts search", ("accounts", "search", "acme"), 0, "48201"),
    Family("carriers list", ("carriers", "list"), 0, "Aetna"),
    Family("carriers diagnose", ("carriers", "diagnose", "1"), 0, "Integration 1 (Aetna): Pending"),
    Family("db status", ("db", "status"), 0, "up to date"),
    # 1: failed; a system could not be used.
    Family("carriers resolve, exchange down", ("carriers", "resolve", "1", "--message", "fixed"), 2,
           "carrier message 1 does not exist", env={"CARRIER_EXCHANGE_URL": UNREACHABLE}),
    Family("groups search, PerfectQuote down", ("groups", "search", "acme"), 1, "PERFECTQUOTE_URL",
           env={"PERFECTQUOTE_URL": f"{UNREACHABLE}/api/v1"}),
    Family("sync, PerfectQuote down", ("sync", "grp_001"), 1, "run of grp_001 failed",
           env={"PERFECTQUOTE_URL": f"{UNREACHABLE}/api/v1"}),
    Family("sandbox, port taken", ("sandbox", "--perfectquote-port", "{pq_port}"), 1, "port in use"),
    # 2: bad input, in every family.
    Family("no command", (), 2),
    Family("an unknown command", ("synk",), 2, "synk"),
    Family("-v after the command", ("sync", "grp_001", "-v"), 2,
           "-v goes before the command: plansync -v sync"),
    Family("carriers without a subcommand", ("carriers", "nope"), 2, "no such command 'nope'"),
    Family("carriers, an unknown option", ("carriers", "list", "--bogus"), 2, "--bogus"),
    Family("carriers, an unknown integration", ("carriers", "enable", "42", "--group-number", "1"), 2,
           "integration 42"),
    Family("carriers, a malformed change", ("carriers", "resolve", "1", "--message", "x", "--change", "bad"),
           2, "FIELD=VALUE"),
    Family("carriers, an empty group number", ("carriers", "set-group-number", "1", ""), 2,
           "group number is required"),
    Family("db, a malformed DATABASE_URL", ("db", "status"), 2, "DATABASE_URL",
           env={"DATABASE_URL": "postgres://app:pw@db/plansync"}),
    Family("unlink, an unknown link", ("unlink", "grp_001", "lnk_nope"), 2, "lnk_nope"),
    Family("link, a merge of one plan", ("link", "grp_001", "--merge", "pq:a"), 2, "--merge needs two plans"),
    Family("settle, an unknown conflict", ("settle", "4242", "--side", "perfectquote"), 2, "4242"),
    Family("groups, an unknown account", ("groups", "connect", "grp_002", "99999"), 2, "99999"),
    Family("worker, zero processes", ("worker", "--processes", "0"), 2, "--processes"),
    Family("clock without Redis", ("clock",), 2, "REDIS_URL"),
    Family("console without a password", ("console",), 2, "CONSOLE_PASSWORD"),
    Family("demo with a server set", ("demo",), 2, "REDIS_URL", env={"REDIS_URL": REDIS_URL}),
    # 3: partial; stored here, not yet taken by the other system.
    Family("carriers, exchange down", ("carriers", "set-group-number", "1", "0123456-01"), 3,
           "could not be told yet", env={"CARRIER_EXCHANGE_URL": UNREACHABLE}),
]


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(rate_limit=False) as running:
        yield running


@pytest.fixture(scope="module")
def connected(sandboxes: Sandboxes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """grp_001 connected to 48201, with an Aetna integration (id 1)."""
    path = tmp_path_factory.mktemp("connected") / "plansync.db"
    env = {**base_env(sandboxes), "DATABASE_URL": f"sqlite:///{path}"}
    for args in [("groups", "connect", "grp_001", "48201"),
                 ("carriers", "configure", "grp_001", "aetna", "--group-number", "0123456-00")]:
        answer = plansync(args, env)
        assert answer.code == 0, answer.stderr
    return path


def env_on_copy(sandboxes: Sandboxes, connected: Path, folder: Path) -> dict[str, str]:
    path = folder / f"{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(connected, path)
    return {**base_env(sandboxes), "DATABASE_URL": f"sqlite:///{path}"}


@pytest.fixture(scope="module")
def family_answers(sandboxes: Sandboxes, connected: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, Answer]:
    folder = tmp_path_factory.mktemp("families")
    values = {"pq_port": sandboxes.perfectquote_url.split(":")[2].split("/")[0]}
    invocations = [{"args": [arg.format(**values) for arg in family.args],
                    "env": {**env_on_copy(sandboxes, connected, folder), **family.env}}
                   for family in FAMILIES]
    return {family.name: answer for family, answer in zip(FAMILIES, plansync_all(invocations), strict=True)}


@pytest.mark.parametrize("family", FAMILIES, ids=[family.name for family in FAMILIES])
def test_every_command_family_ends_with_its_exit_code(family: Family,
                                                      family_answers: dict[str, Answer]) -> None:
    answer = family_answers[family.name]
    assert "Traceback" not in answer.stdout + answer.stderr, answer.stderr
    assert answer.code == family.code, f"exit {answer.code}, expected {family.code}:\n{answer.stderr}"
    if family.code == 0:
        assert answer.lines == [], answer.stderr
        assert family.says in answer.stdout, answer.stdout
    elif family.args:
        [line] = answer.lines  # one line, whatever else was logged
        assert line.startswith("plansync") and family.says in line, line


ANSWERS = [("status",), ("plans", "grp_001"), ("changes", "grp_001"), ("conflicts",),
           ("groups", "search", "acme"), ("accounts", "search", "acme"),
           ("groups", "policy", "grp_001", "hold_for_review"),
           ("carriers", "list"), ("carriers", "messages"), ("carriers", "diagnose", "1"),
           ("carriers", "configure", "grp_001", "cigna", "--group-number", "77"),
           ("carriers", "set-group-number", "1", "0123456-09"), ("carriers", "disable", "1"),
           ("db", "status"), ("db", "upgrade"), ("sync", "grp_001", "--dry-run")]


@pytest.fixture(scope="module")
def both_ways(sandboxes: Sandboxes, connected: Path,
              tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], tuple[Answer, Answer]]:
    """Each answering command for a person and with --json, each on a copy of the connected database."""
    folder = tmp_path_factory.mktemp("answers")
    invocations = [{"args": [*args, *extra], "env": env_on_copy(sandboxes, connected, folder)}
                   for args in ANSWERS for extra in ([], ["--json"])]
    answered = plansync_all(invocations)
    return {args: (answered[2 * index], answered[2 * index + 1]) for index, args in enumerate(ANSWERS)}


@pytest.mark.parametrize("args", ANSWERS, ids=[" ".join(args) for args in ANSWERS])
def test_people_read_text_and_json_comes_with_json(
        args: tuple[str, ...], both_ways: dict[tuple[str, ...], tuple[Answer, Answer]]) -> None:
    human, machine = both_ways[args]
    assert human.code == machine.code == 0, human.stderr + machine.stderr
    assert human.stdout.strip() and human.stdout.lstrip()[0] not in "[{", human.stdout
    json.loads(machine.stdout)
    assert machine.stderr == human.stderr == ""


def test_a_command_is_quiet_on_stderr_below_warning_unless_asked(sandboxes: Sandboxes,
                                                                  tmp_path: Path) -> None:
    connect = ("groups", "connect", "grp_001", "48201")
    env = base_env(sandboxes)
    quiet = plansync(connect, {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    assert quiet.code == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("Connected Acme Widgets (grp_001)")
    told = plansync(("-v", *connect), {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"})
    assert told.code == 0 and told.lines == []
    assert {"db.upgraded", "group.connected"} <= {line["event"] for line in told.logged}
    assert told.stdout == quiet.stdout


def test_the_worker_keeps_its_json_lines_on_stdout(sandboxes: Sandboxes, tmp_path: Path) -> None:
    env = {**base_env(sandboxes), "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}"}
    worker = subprocess.Popen([PLANSYNC, "worker", "--threads", "1"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert worker.stdout is not None
    seen: list[dict[str, object]] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            seen.append(json.loads(line))
            if seen[-1]["event"] == "worker.embedded.started":
                break
    finally:
        worker.send_signal(signal.SIGINT)
        _, stderr = worker.communicate(timeout=30)
    assert "worker.embedded.started" in {line["event"] for line in seen}
    assert all(line["level"] for line in seen) and "Traceback" not in stderr


def _plans_by_name(env: dict[str, str]) -> dict[str, str]:
    answer = plansync(("plans", "grp_001", "--json"), env)
    assert answer.code == 0, answer.stderr
    return {f"{row['side']}:{row['name']}": row["plan_id"] for row in json.loads(answer.stdout)}


def test_merge_repeated_with_prefixes_then_a_dry_run_lists_what_it_counts(
        sandboxes: Sandboxes, connected: Path, tmp_path: Path) -> None:
    env = env_on_copy(sandboxes, connected, tmp_path)
    ids = _plans_by_name(env)
    ppo, dental = ids["perfectquote:Gold PPO 3000"], ids["perfectquote:Dental PPO"]
    bp_ppo, bp_dental = ids["benefitpoint:Cigna Open Access PPO"], ids["benefitpoint:Dental PPO"]
    linked = plansync(("link", "grp_001", "--merge", ppo, bp_ppo, "--merge", f"bp:{bp_dental}",
                       f"pq:{dental}", "--source-of-truth", "perfectquote", "--json"), env)
    assert linked.code == 0, linked.stderr
    pairs = {(row["perfectquote_plan_id"], row["benefitpoint_plan_id"]): row["link_id"]
             for row in json.loads(linked.stdout)}
    assert set(pairs) == {(ppo, bp_ppo), (dental, bp_dental)}
    unlinked = plansync(("unlink", "grp_001", pairs[(dental, bp_dental)], "--json"), env)
    assert unlinked.code == 0 and json.loads(unlinked.stdout)["state"] == "unlinked", unlinked.stderr

    preview = plansync(("sync", "grp_001", "--dry-run"), env)
    assert preview.code == 0 and preview.stderr == "", preview.stderr
    headline, *listed = preview.stdout.splitlines()
    writes = [line for line in listed if line.startswith("  update ") or line.startswith("  create ")]
    updates = sum(line.startswith("  update ") for line in writes)
    assert writes and f"created 0, updated {updates}," in headline, preview.stdout
    changes = [line for line in listed if line.startswith("    ")]
    assert "    name: Cigna Open Access PPO -> Gold PPO 3000" in changes
    assert any(line.endswith(": - -> 20.00") for line in changes), changes
    assert not any("None" in line or "'" in line for line in changes), changes

    report = json.loads(plansync(("sync", "grp_001", "--dry-run", "--json"), env).stdout)
    kinds = [write["kind"] for write in report["writes"]]
    assert (report["counts"]["created"], report["counts"]["updated"]) == (kinds.count("create"),
                                                                            kinds.count("update"))


def test_a_sync_here_draws_a_bar_of_its_links_on_a_terminal(
        sandboxes: Sandboxes, connected: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = env_on_copy(sandboxes, connected, tmp_path)
    ids = _plans_by_name(env)
    linked = plansync(("link", "grp_001", "--merge", ids["perfectquote:Gold PPO 3000"],
                       ids["benefitpoint:Cigna Open Access PPO"], "--source-of-truth", "perfectquote",
                       "--copy", f"pq:{ids['perfectquote:Bronze HDHP 5000']}",
                       "--copy", f"bp:{ids['benefitpoint:Vision Plus']}"), env)
    assert linked.code == 0, linked.stderr
    monkeypatch.setattr("worker.cli.output.LARGE_GROUP_LINKS", 2)  # the sandbox's group is small
    context = build_context(load_settings(env))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    try:
        quiet = _run_here(context, "grp_001", dry_run=True, bar=False)
        assert terminal.getvalue() == ""
        report = _run_here(context, "grp_001", dry_run=True, bar=True)
    finally:
        context.close()
    assert report.writes == quiet.writes and len(report.writes) == 3
    assert "Syncing grp_001" in terminal.getvalue() and "3/3" in terminal.getvalue()


def test_a_long_name_is_cut_in_the_table_and_whole_in_json(sandboxes: Sandboxes, connected: Path,
                                                          tmp_path: Path) -> None:
    env = env_on_copy(sandboxes, connected, tmp_path)
    vision = _plans_by_name(env)["benefitpoint:Vision Plus"]
    long_name = "Vision Plus" + " with a rider for frames and lenses" * 3
    httpx.post(f"{sandboxes.benefitpoint_url}/_sandbox/products/{vision}", json={"name": long_name},
               timeout=10).raise_for_status()
    try:
        shown = plansync(("plans", "grp_001"), env)
        assert shown.code == 0, shown.stderr
        [row] = [line for line in shown.stdout.splitlines() if vision in line]
        assert long_name not in row and "Vision Plus with a rider" in row and "…" in row
        assert long_name in {row["name"] for row in json.loads(plansync(("plans", "grp_001", "--json"),
                                                                         env).stdout)}
    finally:
        httpx.post(f"{sandboxes.benefitpoint_url}/_sandbox/products/{vision}", json={"name": "Vision Plus"},
                   timeout=10).raise_for_status()


def test_sync_wait_with_no_worker_says_so_when_its_wait_runs_out(sandboxes: Sandboxes, connected: Path,
                                                                tmp_path: Path) -> None:
    # A Redis database of its own: no worker listens there, and what the command queued is removed after.
    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/11"
    client = redis.Redis.from_url(redis_url)
    before = set(client.keys("plansync*"))
    env = {**env_on_copy(sandboxes, connected, tmp_path), "REDIS_URL": redis_url}
    try:
        started = time.monotonic()
        answer = plansync(("sync", "grp_001", "--wait-s", "1"), env)
        took_s = time.monotonic() - started
        as_json = plansync(("sync", "grp_001", "--wait-s", "0.5", "--json"), env)
    finally:
        made = set(client.keys("plansync*")) - before
        if made:
            client.delete(*made)
        client.close()
    assert answer.code == 1, answer.stderr
    [line] = answer.lines
    assert "no worker ran the sync of grp_001 within 1 s" in line and "plansync worker" in line
    assert answer.stdout.strip() == "grp_001: queued, no outcome yet"
    assert took_s < 30
    assert as_json.code == 1 and json.loads(as_json.stdout)["status"] == "timed_out"
