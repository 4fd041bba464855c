"""The plansync CLI against the sandboxes: connect, choose, sync, and what ops read, in a user's order."""

from __future__ import annotations

import json
from pathlib import Path
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


def test_accounts_search_by_name_number_and_refresh(cli_world: World) -> None:
    by_name = as_json("accounts", "search", "acme")
    assert [(a["account_id"], a["name"]) for a in by_name] == [("48201", "Acme Widgets")]
    assert [a["name"] for a in as_json("accounts", "search", "48202")] == ["Blue Harbor Logistics"]
    # An account added in BenefitPoint after the cache was filled is found with --refresh.
    cli_world.bp.put("Account", "accountID", {**cli_world.bp.accounts[48201], "accountID": None,
                                               "accountName": "Quarry Lane Brewing"})
    assert "No account matches 'quarry'" in run("accounts", "search", "quarry").output
    refreshed = as_json("accounts", "search", "quarry", "--refresh")
    assert [a["name"] for a in refreshed] == ["Quarry Lane Brewing"]


def test_connect_choose_preview_sync_and_review(cli_world: World) -> None:
    world = cli_world
    assert "Connected Acme Widgets (grp_001)" in run("groups", "connect", "grp_001", "48201").output
    again = run("groups", "connect", "grp_001", "48202", code=2)
    assert "grp_001 is already connected to BenefitPoint account 48201" in again.stderr
    ids = world.seeded()
    rows = as_json("plans", "grp_001")
    assert {r["choice"] for r in rows} == {"unreviewed"} and len(rows) == len(ids)

    linked = as_json("link", "grp_001", "--merge", ids["pq_ppo"], ids["bp_ppo"], "--source-of-truth",
                     "perfectquote", "--copy", f"pq:{ids['pq_hdhp']}", "--skip", f"bp:{ids['bp_vision']}")
    assert sorted(link["choice"] for link in linked) == ["copy", "merge", "skip"]
    choices = {r["plan_id"]: r["choice"] for r in as_json("plans", "grp_001")}
    assert [choices[ids[role]] for role in ("pq_ppo", "bp_ppo", "bp_vision", "pq_dental")] == [
        "merge", "merge", "skip", "unreviewed"]

    calls = world.write_calls()
    preview = as_json("sync", "grp_001", "--dry-run")
    assert preview["dry_run"] is True and preview["outcome"] == "succeeded"
    assert sorted((w["kind"], w["side"]) for w in preview["writes"]) == [
        ("create", "benefitpoint"), ("update", "benefitpoint")]
    assert world.write_calls() == calls
    assert "Dry run (nothing written)" in run("sync", "grp_001", "--dry-run").output

    report = as_json("sync", "grp_001")
    assert report["counts"]["created"] == 1 and report["counts"]["updated"] == 1
    assert report["writes"] == preview["writes"]
    [group] = as_json("status")["groups"]
    assert group["last_run"]["outcome"] == "succeeded" and group["links"] == 3
    # Merge, copy and skip name 4 of the seeded plans (the plan the copy made is linked too).
    assert group["unreviewed"] == len(ids) - 4
    assert f"{len(ids) - 4} unreviewed plans" in run("status").output
    assert "grp_001 Acme Widgets <-> 48201 Acme Widgets: 3 links" in run("status").output
    changed = as_json("changes", "grp_001")
    assert ("pq->bp", "name") in {(c["direction"], c["field"]) for c in changed}
    assert "pq->bp" in run("changes", "grp_001").output

    merge_id = next(link["link_id"] for link in linked if link["choice"] == "merge")
    assert f"Unlinked {merge_id}" in run("unlink", "grp_001", merge_id).output
    choices = {r["plan_id"]: r["choice"] for r in as_json("plans", "grp_001")}
    assert choices[ids["pq_ppo"]] == choices[ids["bp_ppo"]] == "unreviewed"
    # Unlinked plans can be chosen for again.
    run("link", "grp_001", "--merge", ids["pq_ppo"], ids["bp_ppo"], "--source-of-truth", "benefitpoint")
    choices = {r["plan_id"]: r["choice"] for r in as_json("plans", "grp_001")}
    assert choices[ids["pq_ppo"]] == choices[ids["bp_ppo"]] == "merge"


def test_a_held_conflict_is_listed_settled_and_written(cli_world: World, synced: dict[str, str]) -> None:
    world = cli_world
    assert "decided by hold_for_review" in run("groups", "policy", "grp_001", "hold_for_review").output
    run("groups", "policy", "grp_001", "whoever_shouts_loudest", code=2)
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ], name="Name typed in PerfectQuote")
    world.edit_bp(link.plan_ids[BP], name="Name typed in BenefitPoint")
    run("sync", "grp_001")
    assert as_json("status")["groups"][0]["held"] == [link.id]
    assert "1 open conflicts, 0 orphaned, 0 in error, 1 held" in run("status").output

    [conflict] = as_json("conflicts", "grp_001")
    assert (conflict["field"], conflict["perfectquote"], conflict["benefitpoint"]) == (
        "name", "Name typed in PerfectQuote", "Name typed in BenefitPoint")
    assert "Name typed in BenefitPoint" in run("conflicts").output
    settled = run("settle", str(conflict["conflict_id"]), "--side", "benefitpoint")
    assert "benefitpoint wins; the next sync writes it" in settled.output
    again = run("settle", str(conflict["conflict_id"]), "--side", "perfectquote", code=2)
    assert "is settled, not open" in again.stderr

    run("sync", "grp_001")
    written = world.plan(Side.PERFECTQUOTE, link.plan_ids[PQ] or "").plan
    assert written is not None and written.name == "Name typed in BenefitPoint"
    assert as_json("conflicts") == []


def test_a_bad_map_file_changes_nothing(cli_world: World, tmp_path: Path) -> None:
    world = cli_world
    run("groups", "connect", "grp_001", "48201")
    ids = world.seeded()
    map_file = tmp_path / "links.toml"
    # The first entry is fine; the second names a plan that does not exist; the third one twice.
    map_file.write_text(
        f'[[copy]]\nplan = "pq:{ids["pq_hdhp"]}"\n\n[[copy]]\nplan = "bp:999999"\n\n'
        f'[[merge]]\nperfectquote = "{ids["pq_ppo"]}"\nbenefitpoint = "{ids["bp_ppo"]}"\n'
        f'source_of_truth = "perfectquote"\n\n[[skip]]\nplan = "pq:{ids["pq_ppo"]}"\n')
    stored = world.snapshot()

    refused = run("link", "grp_001", "--from-file", str(map_file), code=2)

    assert "999999" in refused.stderr and ids["pq_ppo"] in refused.stderr
    assert world.snapshot() == stored
    assert {r["choice"] for r in as_json("plans", "grp_001")} == {"unreviewed"}


def test_wrong_arguments_are_a_clear_error(cli_world: World) -> None:
    run("groups", "connect", "grp_001", "48201")
    bad_ref = run("link", "grp_001", "--copy", "xx:1", code=2)
    assert "plan reference 'xx:1': must start with pq: (PerfectQuote) or bp: (BenefitPoint)" in bad_ref.stderr
    assert "--merge needs --source-of-truth" in run("link", "grp_001", "--merge", "a", "b", code=2).stderr
    assert "'grp_404' is not connected" in run("plans", "grp_404", code=2).stderr
    assert "give one PerfectQuote group id, or --all" in run("sync", code=2).stderr
    assert "does not exist" in run("groups", "connect", "grp_002", "12345", code=2).stderr
    assert "'grp_404' is not connected" in run("sync", "grp_404", "--dry-run", code=2).stderr
    assert "conflict 424242" in run("settle", "424242", "--side", "perfectquote", code=2).stderr
    assert "lnk_nope" in run("unlink", "grp_001", "lnk_nope", code=2).stderr
