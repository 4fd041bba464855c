"""CLI commands: both systems' plans side by side, and the choice for each (skip, copy, merge)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from reconciliation.side import Side
from reconciliation.storage import repository as repo
from worker.cli.link_entries import link_entries
from worker.cli.output import cli_errors, command_context, emit, table
from worker.runtime.jobs import plan_systems
from worker.service import plan_choices

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def plans(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    as_json: JsonOption = False,
) -> None:
    """Both systems' plans side by side, with choice and link state (and what a system did not take)."""
    with command_context() as context:
        listed = plan_choices.side_by_side(sessions=context.sessions, systems=plan_systems(context),
                                           group_id=group_id)
        with context.sessions() as session:
            # A linked link a system did not take a field of is shown as such, not as plainly linked.
            links = repo.links_for_group(session, group_id)
            partly = {lk.id: lk.not_taken for lk in links if lk.not_taken}
        rows = [asdict(row) | {"not_taken": partly.get(row.link_id or "")} for row in listed]
    emit(
        rows,
        as_json=as_json,
        render=lambda: table(
            [
                (
                    r["side"],
                    r["plan_id"],
                    r["name"] or f"(unreadable: {r['problem']})",
                    r["coverage"],
                    r["carrier"],
                    r["choice"],
                    r["state"] if not r["not_taken"] else f"{r['state']} ({r['not_taken']})",
                    r["paired_with"],
                    r["link_id"],
                )
                for r in rows
            ],
            headers=(
                "system",
                "plan",
                "name",
                "coverage",
                "carrier",
                "choice",
                "state",
                "paired with",
                "link",
            ),
        ),
    )


def link(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    merge: Annotated[
        list[str] | None,
        typer.Option("--merge", metavar="PQ_PLAN BP_PLAN",
                     help="Link two existing plans: PQ_PLAN_ID BP_PLAN_ID, or pq:ID bp:ID in either order; "
                          "repeatable."),
    ] = None,
    source_of_truth: Annotated[
        str | None,
        typer.Option(
            "--source-of-truth",
            help="For every --merge: whose plan overwrites the other once (perfectquote, benefitpoint).",
        ),
    ] = None,
    copy: Annotated[
        list[str] | None,
        typer.Option(
            "--copy", help="Create the plan in the other system, then keep both in step: pq:ID or bp:ID."
        ),
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help="Never sync this plan: pq:ID or bp:ID.")
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="A TOML link map, applied as a whole or not at all.")
    ] = None,
    allow_cross_coverage: Annotated[
        bool,
        typer.Option("--allow-cross-coverage",
                     help="Allow a merge of two plans of different coverage (refused by default)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Choose what to sync. Plans are never matched by name: you pick every pair."""
    with cli_errors():
        entries = link_entries(merge, source_of_truth, copy, skip, from_file)
    with command_context() as context:
        chosen = plan_choices.choose_with_warnings(sessions=context.sessions, systems=plan_systems(context),
                                                   group_id=group_id, entries=entries,
                                                   allow_cross_coverage=allow_cross_coverage)
        data = [
            {
                "link_id": lk.id,
                "choice": lk.choice.value,
                "perfectquote_plan_id": lk.plan_ids[Side.PERFECTQUOTE],
                "benefitpoint_plan_id": lk.plan_ids[Side.BENEFITPOINT],
                "source_of_truth": None if lk.source_of_truth is None else lk.source_of_truth.value,
                "warnings": chosen.warnings.get(lk.id, []),
            }
            for lk in chosen.links
        ]
    emit(
        data,
        as_json=as_json,
        render=lambda: table(
            [
                (
                    d["link_id"],
                    d["choice"],
                    d["perfectquote_plan_id"],
                    d["benefitpoint_plan_id"],
                    d["source_of_truth"],
                )
                for d in data
            ],
            headers=("link", "choice", "perfectquote", "benefitpoint", "source of truth"),
        ),
    )
    if not as_json:
        for line in chosen.warning_lines:
            typer.echo(f"warning: {line}", err=True)


def unlink(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    link_id: Annotated[str, typer.Argument(help="The link id (see 'plansync plans').")],
    as_json: JsonOption = False,
) -> None:
    """Stop syncing a link. Nothing is deleted in either system; the plans become unreviewed."""
    with command_context() as context:
        unlinked = plan_choices.unlink(sessions=context.sessions, group_id=group_id, link_id=link_id)
    data = {"link_id": unlinked.id, "group_id": group_id, "state": unlinked.state.value,
            "note": unlinked.last_error}
    emit(data, as_json=as_json, render=lambda: typer.echo(f"Unlinked {unlinked.id}: {unlinked.last_error}."))

