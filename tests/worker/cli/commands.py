"""Running the installed `plansync` as a user does: one process per invocation, or many forked at once."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from connectors.sandbox.launcher import Sandboxes

PLANSYNC = str(Path(sys.executable).with_name("plansync"))
ROOT = Path(__file__).resolve().parents[3]
FAST = {"RETRY_MAX_ATTEMPTS": "2", "RETRY_MAX_TOTAL_S": "2", "RETRY_AFTER_CAP_S": "0.1",
        "HTTP_TIMEOUT_S": "5"}
TIMEOUT_S = 90


@dataclass(frozen=True)
class Answer:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """stderr without the JSON log lines."""
        return [line for line in self.stderr.splitlines() if line.strip() and not line.startswith("{")]

    @property
    def logged(self) -> list[dict[str, object]]:
        """The JSON log lines on stderr."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.startswith("{")]


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is in an operator's shell."""

    def isatty(self) -> bool:
        return True


def plansync(args: tuple[str, ...], env: dict[str, str]) -> Answer:
    try:
        done = subprocess.run([PLANSYNC, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                              check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as expired:
        return Answer(-1, str(expired.stdout or ""), f"still running after {TIMEOUT_S} s: {expired.stderr!r}")
    return Answer(done.returncode, done.stdout, done.stderr)


def plansync_all(invocations: list[dict[str, object]]) -> list[Answer]:
    """Each `{"args": [...], "env": {...}}` through the real entry point, imported once and forked per
    invocation: a catalogue of cases costs seconds, not minutes."""
    done = subprocess.run([sys.executable, "-m", "tests.worker.cli.fork_runner"], cwd=ROOT, check=True,
                          input=json.dumps(invocations), capture_output=True, text=True,
                          timeout=TIMEOUT_S * 3)
    return [Answer(**answer) for answer in json.loads(done.stdout)]


def base_env(sandboxes: Sandboxes) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in {"DATABASE_URL", "REDIS_URL", "LOG_LEVEL"} and not name.startswith("PERFECTQUOTE")
           and not name.startswith("BENEFITPOINT") and not name.startswith("CARRIER_EXCHANGE")}
    return {**env, **sandboxes.environment(), **FAST}
