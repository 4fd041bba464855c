"""CLI command: a plan's synced fields, value by value: where each was edited and which run carried it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from worker.cli.output import command_context, emit, show_value, table
from worker.service import history as service

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
SYSTEMS = {"perfectquote": "PerfectQuote", "benefitpoint": "BenefitPoint", None: "-"}


def history(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    plan: Annotated[str, typer.Argument(help="A plan of the group (pq:ID, bp:ID or its id), or a link id.")],
    field: Annotated[str | None, typer.Option("--field", help="Only this field (name, benefits.KEY, rates).")]
    = None,
    as_json: JsonOption = False,
) -> None:
    """Each synced field's chain of values: edited where, first seen when, carried by which run, conflicts."""
    with command_context() as context:
        data = service.field_history(sessions=context.sessions, group_id=group_id, plan=plan, field=field)
    emit(data, as_json=as_json, render=lambda: render_history(data))


def _origin(step: dict[str, Any]) -> str:
    if step["origin"] == "revert":
        return "put back by a revert"
    if step["origin"] == "first_seen":
        return f"held in {SYSTEMS[step['edited_in']]}"
    return f"edited in {SYSTEMS[step['edited_in']]}"


def _carried(step: dict[str, Any]) -> str:
    if step["carried_to"] is None:
        return "-"
    taken = "" if step["applied"] else " (not taken)"
    return f"run {step['run_id']} to {SYSTEMS[step['carried_to']]} at {step['carried_at'][:19]}{taken}"


def render_history(data: dict[str, Any]) -> None:
    plans = ", ".join(f"{SYSTEMS[side]} {plan_id}" for side, plan_id in data["plans"].items() if plan_id)
    typer.echo(f"Link {data['link_id']} of {data['group_id']} ({plans or data['state']})")
    if not data["fields"]:
        typer.echo("plansync has written none of its fields yet.")
    for path, steps in data["fields"].items():
        typer.echo(f"\n{path}")
        table([(show_value(s["value"]), _origin(s), s["seen_at"][:19], _carried(s),
                "" if s["conflict"] is None else f"{s['conflict']} (conflict {s['conflict_id']})")
               for s in steps],
              headers=("value", "from", "seen", "carried", "conflict"))
