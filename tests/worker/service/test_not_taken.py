"""A field a system did not take (read-only rates) is seen in status, plans, changes and the exit code."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from config.logging import configure_logging
from connectors.sandbox.launcher import Sandboxes
from tests.worker.service.conftest import make_world, sqlite_copy
from tests.worker.service.world import World
from worker.cli.app import app
from worker.runtime.process_context import set_context

RUNNER = CliRunner()
NOTE = "benefitpoint did not take: rates"


def run(*args: str, code: int = 0) -> Result:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
    return result


def as_json(*args: str, code: int = 0) -> Any:
    return json.loads(run(*args, "--json", code=code).stdout)


@pytest.fixture
def rates_read_only_cli(sandboxes: Sandboxes, migrated_template: Path, tmp_path: Path) -> Iterator[World]:
    """BenefitPoint answering rate writes by keeping its rates, installed as the CLI's context."""
    url = sqlite_copy(migrated_template, tmp_path)
    world = make_world(sandboxes, url, BENEFITPOINT_RATES_WRITABLE="false")
    configure_logging(level="info", stream=io.StringIO())
    set_context(world.context)
    yield world
    set_context(None)
    configure_logging(level="info")
    world.close()


def test_rates_benefitpoint_did_not_take_show_in_status_plans_changes_and_the_exit_code(
        rates_read_only_cli: World) -> None:
    world = rates_read_only_cli
    run("groups", "connect", "grp_001", "48201")
    ids = world.seeded()
    [link] = as_json("link", "grp_001", "--merge", ids["pq_dental"], ids["bp_dental"], "--source-of-truth",
                     "perfectquote")
    link_id = link["link_id"]
    assert as_json("sync", "grp_001")["not_taken"] == {}  # the seeded dental plan is the same on both sides

    world.edit_pq(ids["pq_dental"], name="Dental Plus", rates={"tiers": {"employee": "99.99"}})
    synced = run("sync", "grp_001", code=3).output  # partial: a field was not taken
    assert f"not applied on link {link_id}: {NOTE}" in synced
    assert world.bp.calls["updateRate"] == world.bp.calls["createRate"] == 0
    world.edit_pq(ids["pq_dental"], name="Dental Plus 2", rates={"tiers": {"employee": "98.99"}})
    report = as_json("sync", "grp_001", code=3)
    assert report["outcome"] == "succeeded" and report["counts"]["errors"] == 0
    assert report["not_taken"] == {link_id: NOTE}

    [group] = as_json("status")["groups"]
    assert group["not_taken"] == {link_id: NOTE} and group["errors"] == {}
    status = run("status").output
    assert "0 in error, 0 held, 1 not taken" in status and f"not taken on link {link_id}: {NOTE}" in status

    rows = [r for r in as_json("plans", "grp_001") if r["link_id"] == link_id]
    assert [(r["state"], r["not_taken"]) for r in rows] == [("linked", NOTE)] * 2
    assert f"linked ({NOTE})" in run("plans", "grp_001").output

    changes = [(c["field"], c["applied"]) for c in as_json("changes", "grp_001") if c["link_id"] == link_id]
    assert changes == [("name", True), ("rates", False)] * 2
    lines = run("changes", "grp_001").output.splitlines()
    marked = [line for line in lines if line.rstrip().endswith("(not applied)") or "(not applied) " in line]
    assert len(marked) == 2 and all(" rates " in line for line in marked)

    # Nothing new to write: the run is clean, and the link still says what BenefitPoint kept.
    again = as_json("sync", "grp_001")
    assert again["not_taken"] == {} and again["writes"] == []
    assert as_json("status")["groups"][0]["not_taken"] == {link_id: NOTE}
