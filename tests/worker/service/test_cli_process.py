"""The installed command as a user runs it: the answer on stdout, the JSON log lines on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from connectors.sandbox.launcher import Sandboxes


def plansync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from worker.cli.app import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_json_answers_stay_clean_while_logs_go_to_stderr(sandboxes: Sandboxes, tmp_path: Path) -> None:
    env = {**os.environ, **sandboxes.environment(), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "LOG_LEVEL": "debug"}
    env.pop("REDIS_URL", None)
    connected = plansync("groups", "connect", "grp_001", "48201", "--json", env=env)
    assert connected.returncode == 0, connected.stderr
    assert json.loads(connected.stdout)["account_name"] == "Acme Widgets"
    logged = [json.loads(line) for line in connected.stderr.splitlines()]
    assert "group.connected" in {line["event"] for line in logged}
    assert "sandbox" not in connected.stderr  # the BenefitPoint password never reaches a line

    plans = plansync("plans", "grp_001", "--json", env=env)
    assert plans.returncode == 0, plans.stderr
    assert {row["side"] for row in json.loads(plans.stdout)} == {"perfectquote", "benefitpoint"}


def test_a_malformed_setting_stops_the_command_naming_it(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "not a url"}
    answer = plansync("status", env=env)
    assert answer.returncode == 2
    assert "DATABASE_URL" in answer.stderr and answer.stdout == ""
