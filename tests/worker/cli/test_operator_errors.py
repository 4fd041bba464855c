"""Operators see answers, never tracebacks: a catalogue of mistakes through the installed `plansync`.

Each case runs the real command in a process of its own and must end with its exit code (0 ok,
1 failed, 2 bad input, 3 partial, 130 interrupted) and exactly one line on stderr (besides the JSON
log lines) that names the problem; no secret of its settings may appear anywhere.
"""

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
from sqlalchemy import create_engine, text

from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from tests.conftest import POSTGRES_ADMIN_URL, REDIS_URL
from tests.worker.cli.commands import PLANSYNC, Answer, base_env, plansync, plansync_all
from worker.cli.errors import unexpected
from worker.cli.link_entries import MAP_FILE_MAX_BYTES
from worker.cli.sync import sync_exit_code

UNREACHABLE_DB = "postgresql://nobody:hunter2@127.0.0.1:1/none"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: int
    says: tuple[str, ...]
    database: str = "connected"  # connected (grp_001 to 48201) | fresh | unreachable | unmigrated
    env: dict[str, str] = field(default_factory=dict)
    hides: tuple[str, ...] = ()


CASES = [
    # The database: unreachable, never migrated.
    *(Case(f"unreachable database: {' '.join(args)}", args, 1,
           ("cannot use database", "127.0.0.1:1", "DATABASE_URL"), database="unreachable", hides=("hunter2",))
      for args in [("status",), ("sync", "grp_x"), ("link", "grp_x", "--skip", "pq:x"), ("carriers", "list"),
                   ("db", "status"), ("worker",)]),
    *(Case(f"unmigrated database: {' '.join(args)}", args, 1, ("no plansync tables", "plansync db upgrade"),
           database="unmigrated", env=env)
      for args, env in [(("status",), {}), (("carriers", "list"), {}), (("sync", "grp_001"), {}),
                        (("worker",), {}), (("clock",), {"REDIS_URL": REDIS_URL})]),
    Case("unreachable Redis: worker", ("worker",), 1, ("cannot use Redis", "REDIS_URL"),
         env={"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0"}, hides=("hunter2",)),
    # Settings.
    Case("a URL without its scheme", ("status",), 2, ("PERFECTQUOTE_URL", "http://localhost:8801"),
         env={"PERFECTQUOTE_URL": "localhost:8801"}),
    Case("postgres:// for PostgreSQL", ("status",), 2, ("DATABASE_URL", "postgresql://"),
         env={"DATABASE_URL": "postgres://app:hunter2@db/plansync"}, hides=("hunter2",)),
    Case("a Redis URL without its scheme", ("sync", "grp_001"), 2, ("REDIS_URL", "redis://"),
         env={"REDIS_URL": "127.0.0.1:6379"}),
    Case("a negative timeout", ("status",), 2, ("HTTP_TIMEOUT_S",), env={"HTTP_TIMEOUT_S": "-1"}),
    # The outside systems.
    Case("a wrong PerfectQuote token", ("groups", "search", "acme"), 1, ("PERFECTQUOTE_TOKEN", "401"),
         env={"PERFECTQUOTE_TOKEN": "tok-wrong-1234"}, hides=("tok-wrong-1234",)),
    Case("a wrong PerfectQuote token during a sync", ("sync", "grp_001"), 1,
         ("run of grp_001 failed", "PERFECTQUOTE_TOKEN"), env={"PERFECTQUOTE_TOKEN": "tok-wrong-1234"},
         hides=("tok-wrong-1234",)),
    Case("a PerfectQuote URL without its API path", ("groups", "search", "acme"), 1,
         ("not a PerfectQuote answer", "PERFECTQUOTE_URL"), env={"PERFECTQUOTE_URL": "{pq_root}"}),
    Case("PerfectQuote unreachable", ("groups", "search", "acme"), 1,
         ("connection failed", "PERFECTQUOTE_URL"), env={"PERFECTQUOTE_URL": "http://127.0.0.1:1/api/v1"}),
    Case("a wrong BenefitPoint URL", ("accounts", "search", "acme", "--refresh"), 1,
         ("no BenefitPoint SOAP service", "BENEFITPOINT_URL"), env={"BENEFITPOINT_URL": "{pq_root}/bp"}),
    Case("a wrong BenefitPoint password", ("accounts", "search", "acme", "--refresh"), 1,
         ("login refused", "BENEFITPOINT_PASSWORD"), env={"BENEFITPOINT_PASSWORD": "pw-wrong-5678"},
         hides=("pw-wrong-5678",)),
    # Arguments: unknown things, malformed things, wrong values.
    Case("an unknown group: sync", ("sync", "grp_nosuch"), 2, ("grp_nosuch", "not connected")),
    Case("an unknown group: plans", ("plans", "grp_nosuch"), 2, ("grp_nosuch", "not connected")),
    Case("an unknown group: link", ("link", "grp_nosuch", "--skip", "pq:x"), 2,
         ("grp_nosuch", "not connected"), database="fresh"),
    Case("an unknown group: connect", ("groups", "connect", "grp_nosuch", "48202"), 2,
         ("grp_nosuch", "does not exist")),
    Case("an unknown account: connect", ("groups", "connect", "grp_002", "99999"), 2,
         ("99999", "does not exist")),
    Case("a traversing group id", ("groups", "connect", "grp_002/../grp_001", "48202"), 2,
         ("grp_002/../grp_001", "malformed")),
    Case("an unknown group: carriers",
         ("carriers", "configure", "grp_nosuch", "aetna", "--group-number", "1"), 2,
         ("grp_nosuch", "not connected")),
    Case("an unknown carrier", ("carriers", "configure", "grp_001", "acme-mutual", "--group-number", "1"), 2,
         ("acme-mutual",)),
    Case("a malformed date", ("carriers", "configure", "grp_001", "aetna", "--group-number", "1",
                              "--renewal-date", "2027-13-45"), 2, ("--renewal-date", "2027-13-45")),
    Case("an unknown integration", ("carriers", "disable", "42"), 2, ("integration 42",)),
    Case("a malformed plan ref", ("link", "grp_001", "--copy", "xx:1"), 2, ("xx:1", "pq:")),
    Case("a merge without its source of truth", ("link", "grp_001", "--merge", "a", "b"), 2,
         ("--source-of-truth",)),
    Case("a map file that does not exist", ("link", "grp_001", "--from-file", "/nonexistent/map.toml"), 2,
         ("/nonexistent/map.toml", "does not exist")),
    Case("an endless map file", ("link", "grp_001", "--from-file", "/dev/zero"), 2,
         ("/dev/zero", f"limit of {MAP_FILE_MAX_BYTES} bytes")),
    Case("a map file over the size cap", ("link", "grp_001", "--from-file", "{big_map}"), 2,
         ("big.toml", "larger than the limit")),
    Case("a map file that is not text", ("link", "grp_001", "--from-file", "{binary_map}"), 2,
         ("binary.toml", "not UTF-8")),
    Case("an unknown conflict", ("settle", "424242", "--side", "perfectquote"), 2, ("424242",)),
    Case("a wrong --side", ("settle", "1", "--side", "both"), 2, ("--side", "both", "perfectquote")),
    Case("a conflict id that is no number", ("settle", "one", "--side", "perfectquote"), 2, ("conflict_id",)),
    Case("a wrong policy", ("groups", "policy", "grp_001", "loudest"), 2, ("loudest", "hold_for_review")),
    Case("an unknown option", ("sync", "grp_001", "--bogus"), 2, ("--bogus", "plansync sync --help")),
    Case("an unknown command", ("synk", "grp_001"), 2, ("synk",)),
    Case("a port out of range", ("sandbox", "--perfectquote-port", "99999"), 2, ("--perfectquote-port",)),
    Case("no group and no --all", ("sync",), 2, ("--all",)),
]


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(rate_limit=False) as running:
        yield running


@pytest.fixture(scope="module")
def unmigrated_url() -> Iterator[str]:
    name = f"plansync_unmigrated_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}".replace("postgresql+psycopg://", "postgresql://")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def connected_template(sandboxes: Sandboxes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("connected") / "plansync.db"
    answer = plansync(("groups", "connect", "grp_001", "48201"),
                      {**base_env(sandboxes), "DATABASE_URL": f"sqlite:///{path}"})
    assert answer.code == 0, answer.stderr
    return path


@pytest.fixture(scope="module")
def answers(sandboxes: Sandboxes, unmigrated_url: str, connected_template: Path,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Answer]:
    """Every case at once, side by side: each on a database of its own."""
    folder = tmp_path_factory.mktemp("cases")
    big_map = folder / "big.toml"
    big_map.write_bytes(b"# a comment line that goes on and on\n" * (MAP_FILE_MAX_BYTES // 37 + 1))
    binary_map = folder / "binary.toml"
    binary_map.write_bytes(b"\xff\xfe[[skip]]\x00\x81")
    values = {"pq_root": sandboxes.perfectquote_url.removesuffix("/api/v1"), "big_map": str(big_map),
              "binary_map": str(binary_map)}

    def invocation(index: int, case: Case) -> dict[str, object]:
        database = {"unreachable": UNREACHABLE_DB, "unmigrated": unmigrated_url}.get(case.database)
        if database is None:
            path = folder / f"case{index}.db"
            if case.database == "connected":
                shutil.copyfile(connected_template, path)
            database = f"sqlite:///{path}"
        env = {**base_env(sandboxes), "DATABASE_URL": database,
               **{name: value.format(**values) for name, value in case.env.items()}}
        return {"args": [arg.format(**values) for arg in case.args], "env": env}

    answered = plansync_all([invocation(index, case) for index, case in enumerate(CASES)])
    return {case.name: answer for case, answer in zip(CASES, answered, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_mistake_is_one_line_and_an_exit_code(case: Case, answers: dict[str, Answer]) -> None:
    answer = answers[case.name]
    everything = answer.stdout + answer.stderr
    assert "Traceback" not in everything, everything
    assert answer.code == case.code, f"exit {answer.code}, expected {case.code}:\n{answer.stderr}"
    assert len(answer.lines) == 1, answer.stderr
    [line] = answer.lines
    assert line.startswith("plansync"), line
    for words in case.says:
        assert words in line, f"{words!r} not in {line!r}"
    for secret in case.hides:
        assert secret not in everything


def _latency(sandboxes: Sandboxes, latency_ms: float) -> None:
    for url in (sandboxes.perfectquote_url.removesuffix("/api/v1"), sandboxes.benefitpoint_url):
        httpx.put(f"{url}/_sandbox/faults", json={"latency_ms": latency_ms}, timeout=10).raise_for_status()


def test_ctrl_c_during_a_sync_marks_its_run_interrupted(sandboxes: Sandboxes, connected_template: Path,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "plansync.db"
    shutil.copyfile(connected_template, path)
    env = {**base_env(sandboxes), "DATABASE_URL": f"sqlite:///{path}"}
    _latency(sandboxes, 300)  # reading the group's plans now takes seconds
    try:
        syncing = subprocess.Popen([PLANSYNC, "-v", "sync", "grp_001"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        assert syncing.stderr is not None
        seen: list[str] = []
        for line in syncing.stderr:
            seen.append(line)
            if '"sync.started"' in line:
                break
        time.sleep(0.5)
        syncing.send_signal(signal.SIGINT)
        stdout, rest = syncing.communicate(timeout=60)
    finally:
        _latency(sandboxes, 0)
    answer = Answer(syncing.returncode, stdout, "".join(seen) + rest)
    assert "Traceback" not in answer.stderr, answer.stderr
    assert answer.code == 130, answer.stderr
    [line] = answer.lines
    assert "sync of grp_001 interrupted (Ctrl-C)" in line and "recorded as interrupted" in line
    status = plansync(("status", "--json"), env)
    [group] = json.loads(status.stdout)["groups"]
    assert group["last_run"]["outcome"] == "interrupted" and group["last_run"]["finished_at"]


def test_a_traversing_group_id_connects_nothing(sandboxes: Sandboxes, tmp_path: Path) -> None:
    env = {**base_env(sandboxes), "DATABASE_URL": f"sqlite:///{tmp_path / 'plansync.db'}"}
    refused = plansync(("groups", "connect", "grp_002/../grp_001", "48201"), env)
    assert refused.code == 2 and "malformed" in refused.stderr
    assert json.loads(plansync(("status", "--json"), env).stdout)["groups"] == []


@pytest.mark.parametrize(("outcomes", "code"), [
    (["succeeded"], 0), (["partial"], 3), (["succeeded", "partial"], 3), (["partial", "failed"], 1),
    (["aborted"], 1), (["interrupted"], 1), (["superseded"], 1), ([None], 0)])
def test_the_exit_code_of_a_sync(outcomes: list[str | None], code: int) -> None:
    results = [{"group_id": "grp_001", "counts": {}, "outcome": outcome} if outcome
               else {"group_id": "grp_001", "status": "enqueued"} for outcome in outcomes]
    assert sync_exit_code(results) == code


@pytest.mark.parametrize("level", ["info", "debug"])
def test_an_unforeseen_error_is_one_line_and_its_traceback_only_on_request(
        level: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOG_LEVEL", level)
    try:
        raise KeyError("postgresql://app:hunter2@db/plansync")
    except KeyError as error:
        with pytest.raises(SystemExit) as stopped:
            unexpected(error)
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("plansync: unexpected error (KeyError: ") and "bug" in err
    assert "hunter2" not in err.splitlines()[0]
    assert ("Traceback" in err) is (level == "debug")
