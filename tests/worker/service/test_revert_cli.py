"""`plansync revert`, `plansync history`, the change log's filters, pages and pruning, as people use them."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from reconciliation.side import Side
from tests.worker.service.world import World
from worker.cli.app import app

RUNNER = CliRunner()
PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def run(*args: str, code: int = 0) -> Result:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
    return result


def as_json(*args: str) -> Any:
    return json.loads(run(*args, "--json").stdout)


def renamed_run(world: World, synced: dict[str, str], name: str) -> tuple[str, str]:
    """A run that renamed the PPO in BenefitPoint; the run id and the PerfectQuote plan id."""
    pq_id = world.link(synced["ppo"]).plan_ids[PQ] or ""
    world.edit_pq(pq_id, name=name)
    return str(world.sync().run_id), pq_id


def bp_name(world: World, synced: dict[str, str]) -> str:
    plan = world.plan(BP, world.link(synced["ppo"]).plan_ids[BP] or "").plan
    assert plan is not None
    return plan.name


def test_revert_prints_each_field_and_a_preview_writes_nothing(
        cli_world: World, synced: dict[str, str]) -> None:
    was = bp_name(cli_world, synced)
    run_id, _pq_id = renamed_run(cli_world, synced, "Renamed PPO")
    calls = cli_world.write_calls()

    preview = run("revert", run_id, "--dry-run").stdout.splitlines()
    assert cli_world.write_calls() == calls
    done = run("revert", run_id).stdout.splitlines()

    assert preview[0].startswith(f"Dry run of the revert (nothing written): revert of run {run_id} of grp_")
    assert done[0].endswith("succeeded — 1 field(s) written back, 0 changed since, 0 plan(s) unlinked")
    assert done[1].endswith(f"name: Renamed PPO -> {was} (written back)"), done
    assert bp_name(cli_world, synced) == was
    assert "(already reverted)" in run("revert", run_id).stdout


def test_revert_of_a_run_with_nothing_written_or_of_no_run_is_one_line_and_exit_2(
        cli_world: World, synced: dict[str, str]) -> None:
    quiet = str(cli_world.sync().run_id)

    nothing = run("revert", quiet, code=2)
    missing = run("revert", "424242", code=2)

    assert nothing.stderr == (f"plansync: run {quiet} wrote nothing, so there is nothing to revert; "
                              "pick a run whose Writes list is not empty\n")
    assert missing.stderr.startswith("plansync: run 424242 is not a run of agency ")
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.output


def test_history_shows_each_value_with_where_it_came_from(cli_world: World, synced: dict[str, str]) -> None:
    run_id, pq_id = renamed_run(cli_world, synced, "Renamed PPO")

    shown = run("history", "grp_001", f"pq:{pq_id}", "--field", "name").stdout
    data = as_json("history", "grp_001", pq_id)

    assert "Renamed PPO" in shown and f"run {run_id} to BenefitPoint" in shown
    assert "edited in PerfectQuote" in shown
    assert data["fields"]["name"][-1]["value"] == "Renamed PPO" and "rates" in data["fields"]
    unknown = run("history", "grp_001", "pq:nope", code=2)
    assert unknown.stderr.startswith("plansync: plan 'pq:nope' is not linked in group grp_001")


def test_changes_by_field_time_and_page(cli_world: World, synced: dict[str, str]) -> None:
    run_id, _pq_id = renamed_run(cli_world, synced, "Renamed PPO")
    every = as_json("changes", "grp_001", "--limit", "10000")

    names = as_json("changes", "grp_001", "--field", "name")
    newest = as_json("changes", "grp_001", "--limit", "1")
    older = as_json("changes", "grp_001", "--limit", "1", "--page", "2")
    later = as_json("changes", "grp_001", "--since", "2999-01-01")
    footer = run("changes", "grp_001", "--limit", "1").stdout.splitlines()[-1]

    assert {r["field"] for r in names} == {"name"} and names[-1]["run_id"] == int(run_id)
    assert newest == every[-1:] and older == every[-2:-1] and later == []
    assert footer == f"page 1 of {len(every)} ({len(every)} changes); --page 2 for older"
    bad = RUNNER.invoke(app, ["changes", "grp_001", "--since", "yesterday"], standalone_mode=False)
    assert "'yesterday' is not a date or date-time like 2026-03-01" in str(bad.exception)


def test_changes_prune_keeps_what_is_within_retention(cli_world: World, synced: dict[str, str]) -> None:
    before = as_json("changes", "grp_001", "--limit", "10000")

    pruned = as_json("changes", "--prune")

    assert pruned == {"pruned": 0, "retention_days": 365}
    assert as_json("changes", "grp_001", "--limit", "10000") == before
    assert "give a PerfectQuote group id" in run("changes", code=2).stderr
