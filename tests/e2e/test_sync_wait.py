"""`plansync sync GROUP --wait` with a broker: enqueued, run by a worker, the command prints the run."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from reconciliation.side import Side
from reconciliation.storage import repository as repo
from tests.e2e.conftest import World
from tests.e2e.world import connect_and_link, runs
from worker.cli.app import app


def test_sync_wait_prints_the_run_the_worker_made(world: World, cli: CliRunner) -> None:
    group = connect_and_link(world.context, 6, copies=("life",))
    result = cli.invoke(app, ["sync", group.group_id, "--wait"])
    assert result.exit_code == 0, result.output
    assert runs(world.context.sessions) == [(group.group_id, "manual", "succeeded")]
    lines = result.output.splitlines()
    assert lines[0] == (f"Run 1 of {group.group_id}: succeeded — read 7, created 1, updated 1, "
                        "conflicts 0, orphaned 0, errors 0")
    assert "unreviewed" in lines[-1]

    again = cli.invoke(app, ["sync", group.group_id, "--wait", "--json"])
    assert again.exit_code == 0, again.output
    outcome = json.loads(again.output)
    assert outcome["status"] == "finished" and outcome["trigger"] == "manual"
    assert outcome["summary"]["run_id"] == "2" and outcome["summary"]["outcome"] == "succeeded"
    assert outcome["summary"]["counts"]["created"] == outcome["summary"]["counts"]["updated"] == 0


def test_sync_wait_reports_an_aborted_run_and_fails(world: World, cli: CliRunner) -> None:
    group = connect_and_link(world.context, 7)
    assert cli.invoke(app, ["sync", group.group_id, "--wait"]).exit_code == 0
    # Both linked PerfectQuote plans vanish at once: the worker's run is held back as a suspected outage.
    store = world.sandboxes.perfectquote_app.state.store
    for link in ("ppo", "dental"):
        with world.context.sessions() as session:
            store.delete_plan(repo.get_link(session, group.link_ids[link]).plan_ids[Side.PERFECTQUOTE])
    result = cli.invoke(app, ["sync", group.group_id, "--wait"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Run 2 of {group.group_id}: aborted"), result.output
    assert "suspected outage" in result.output
