"""`plansync sync GROUP --here` with a broker: run in the command's own process, under the group's lease."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.e2e.conftest import Served, World
from tests.e2e.world import connect_and_link, runs
from worker.cli.app import app


def test_sync_here_runs_under_the_lease_and_prints_the_writes(world: World, served: Served,
                                                               cli: CliRunner) -> None:
    group = connect_and_link(world.context, 9, copies=("life",))
    result = cli.invoke(app, ["sync", group.group_id, "--here"])
    assert result.exit_code == 0, result.output
    assert runs(world.context.sessions) == [(group.group_id, "manual", "succeeded")]
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Run 1 of {group.group_id}: succeeded — read 7, created 1")
    assert any(line.startswith(f"  create benefitpoint plan (new) [link {group.link_ids['life']}]")
               for line in lines), result.output
    # Released by its owner at the end: a worker's run of the group can take the lease at once.
    assert served.actors.runs.lease(group.group_id, ttl_ms=1_000).acquire()


def test_sync_here_with_the_group_busy_says_so_in_one_line_and_fails(world: World, served: Served,
                                                                     cli: CliRunner) -> None:
    group = connect_and_link(world.context, 10)
    worker_run = served.actors.runs.lease(group.group_id, ttl_ms=30_000)
    assert worker_run.acquire()
    result = cli.invoke(app, ["sync", group.group_id, "--here"])
    assert result.exit_code == 1
    assert result.output == (f"plansync: group {group.group_id} is being synced by a worker right now; "
                             "run again later, or drop --here to queue a run\n")
    assert runs(world.context.sessions) == []
    assert worker_run.release()
