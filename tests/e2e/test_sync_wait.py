"""`plansync sync GROUP --wait` with a broker: enqueued, run by a worker, the command prints the run."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog
from typer.testing import CliRunner

from config.logging import configure_logging
from reconciliation.storage import repository as repo
from tests.e2e.conftest import Served, World
from tests.e2e.world import connect_and_link, runs
from worker.cli.app import app
from worker.runtime import actors as actors_module


@pytest.fixture
def cli(world: World, served: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    # The command finds this process's actors under the default namespace: point that at this test's own.
    monkeypatch.setitem(actors_module._declared, "plansync", served.actors)
    # Log lines go elsewhere, so the output is what the command itself prints.
    saved = structlog.get_config()
    configure_logging(stream=io.StringIO())
    yield CliRunner(env=world.env)
    structlog.configure(**saved)


def test_sync_wait_prints_the_run_the_worker_made(world: World, cli: CliRunner) -> None:
    group = connect_and_link(world.context, 6, copies=("life",))
    result = cli.invoke(app, ["sync", group.pq_group_id, "--wait"])
    assert result.exit_code == 0, result.output
    assert runs(world.context.sessions) == [(group.pq_group_id, "manual", "succeeded")]
    lines = result.output.splitlines()
    assert lines[0] == (f"Run 1 of {group.pq_group_id}: succeeded — read 7, created 1, updated 1, "
                        "conflicts 0, orphaned 0, errors 0")
    assert "unreviewed" in lines[-1]

    again = cli.invoke(app, ["sync", group.pq_group_id, "--wait", "--json"])
    assert again.exit_code == 0, again.output
    outcome = json.loads(again.output)
    assert outcome["status"] == "finished" and outcome["trigger"] == "manual"
    assert outcome["summary"]["run_id"] == "2" and outcome["summary"]["outcome"] == "succeeded"
    assert outcome["summary"]["counts"]["created"] == outcome["summary"]["counts"]["updated"] == 0


def test_sync_wait_reports_an_aborted_run_and_fails(world: World, cli: CliRunner) -> None:
    group = connect_and_link(world.context, 7)
    assert cli.invoke(app, ["sync", group.pq_group_id, "--wait"]).exit_code == 0
    # Both linked PerfectQuote plans vanish at once: the worker's run is held back as a suspected outage.
    store = world.sandboxes.perfectquote_app.state.store
    for link in ("ppo", "dental"):
        with world.context.sessions() as session:
            store.delete_plan(repo.get_link(session, group.link_ids[link]).perfectquote_plan_id)
    result = cli.invoke(app, ["sync", group.pq_group_id, "--wait"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Run 2 of {group.pq_group_id}: aborted"), result.output
    assert "suspected outage" in result.output
