"""A merge whose source of truth lacks rates or benefits the other plan has is warned about at link time,
and its first sync does what the warning says."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from tests.worker.service.world import World
from worker.cli.app import app
from worker.runtime.jobs import plan_systems
from worker.service import plan_choices

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
RUNNER = CliRunner()


def test_benefitpoint_without_rates_or_benefits_as_source_empties_perfectquote_as_warned(
        world: World) -> None:
    world.connect()
    ids = world.seeded()
    pq_before = world.plan(PQ, ids["pq_ppo"]).plan
    assert pq_before is not None and pq_before.rates is not None and pq_before.benefits

    chosen = plan_choices.choose_with_warnings(
        sessions=world.context.sessions, systems=plan_systems(world.context), group_id="grp_001",
        entries=[LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=BP),
                 LinkEntry.merge(ids["pq_dental"], ids["bp_dental"], source_of_truth=BP)])

    [ppo, dental] = chosen.links
    assert dental.id not in chosen.warnings, "the dental plans hold rates and benefits on both sides"
    pq_plan, bp_product = f"PerfectQuote plan {ids['pq_ppo']}", f"BenefitPoint product {ids['bp_ppo']}"
    pair = f"merge pq:{ids['pq_ppo']} + bp:{ids['bp_ppo']}"
    named = f"link {ppo.id} ({pair}): {bp_product}, the source of truth"
    assert chosen.warning_lines == chosen.warnings[ppo.id] == [
        f"{named}, has no rates: the first sync removes {pq_plan}'s rates",
        f"{named}, has no benefits: the first sync clears {pq_plan}'s benefits "
        "(those BenefitPoint has no attribute for stay)",
    ]
    world.sync()
    pq_after = world.plan(PQ, ids["pq_ppo"]).plan
    assert pq_after is not None and pq_after.rates is None and pq_after.benefits == {}


def test_perfectquote_without_rates_or_benefits_as_source_keeps_benefitpoint_rates_as_warned(
        world: World) -> None:
    world.connect()
    ids = world.seeded()
    world.edit_pq(ids["pq_dental"], rates=None, benefits=None)
    bp_before = world.plan(BP, ids["bp_dental"]).plan
    assert bp_before is not None and bp_before.rates is not None and bp_before.benefits

    chosen = plan_choices.choose_with_warnings(
        sessions=world.context.sessions, systems=plan_systems(world.context), group_id="grp_001",
        entries=[LinkEntry.merge(ids["pq_dental"], ids["bp_dental"], source_of_truth=PQ)])

    [rates, benefits] = chosen.warning_lines
    assert f"has no rates: BenefitPoint product {ids['bp_dental']} keeps its rates" in rates
    assert benefits.endswith(
        f"has no benefits: the first sync clears BenefitPoint product {ids['bp_dental']}'s benefits")
    world.sync()
    bp_after = world.plan(BP, ids["bp_dental"]).plan
    assert bp_after is not None and bp_after.rates == bp_before.rates and bp_after.benefits == {}
    # Choosing the same map again is no new merge: nothing to warn about.
    again = plan_choices.choose_with_warnings(
        sessions=world.context.sessions, systems=plan_systems(world.context), group_id="grp_001",
        entries=[LinkEntry.merge(ids["pq_dental"], ids["bp_dental"], source_of_truth=PQ)])
    assert again.warnings == {}


def test_the_link_command_prints_each_warning_and_puts_them_in_json(cli_world: World) -> None:
    world = cli_world
    world.connect()
    ids = world.seeded()
    merge = ("--merge", ids["pq_ppo"], ids["bp_ppo"], "--source-of-truth", "benefitpoint")

    shown = RUNNER.invoke(app, ["link", "grp_001", *merge, "--copy", f"pq:{ids['pq_hdhp']}"])

    assert shown.exit_code == 0, shown.output
    warnings = shown.stderr.splitlines()
    assert len(warnings) == 2 and all(line.startswith("warning: link lnk_") for line in warnings), warnings
    assert "has no rates: the first sync removes PerfectQuote plan" in warnings[0]
    assert "has no benefits: the first sync clears PerfectQuote plan" in warnings[1]

    RUNNER.invoke(app, ["unlink", "grp_001", warnings[0].split()[2]])
    as_json = RUNNER.invoke(app, ["link", "grp_001", *merge, "--json"])
    assert as_json.exit_code == 0 and as_json.stderr == "", as_json.output
    [row] = json.loads(as_json.stdout)
    assert [line.partition(": ")[2] for line in row["warnings"]] == [
        line.partition(": ")[2].partition(": ")[2] for line in warnings]
