"""CLI commands: find a BenefitPoint account, find a PerfectQuote group, connect the two."""

from __future__ import annotations

from typing import Annotated

import typer

from reconciliation.decisions import ConflictPolicy
from worker.cli.output import command_context, emit, table
from worker.service import accounts

accounts_app = typer.Typer(no_args_is_help=True, help="BenefitPoint accounts (a local cache of them).")
groups_app = typer.Typer(no_args_is_help=True, help="PerfectQuote groups and their connections.")
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@accounts_app.command("search")
def search_accounts(
    query: Annotated[str, typer.Argument(help="Part of the account name, or the account number.")],
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh", help='Reload the list from BenefitPoint first ("I don\'t find my account").'
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """BenefitPoint accounts whose name contains QUERY, or whose account number is QUERY."""
    with command_context() as context:
        found = accounts.search_accounts(sessions=context.sessions, benefitpoint=context.benefitpoint,
                                         query=query, refresh=refresh)
        data = [{"account_id": a.account_id, "name": a.name, "active": a.active} for a in found]

    def render() -> None:
        if not data:
            typer.echo(f"No account matches {query!r}. Try --refresh if it was added recently.")
            return
        table(
            [(a["account_id"], a["name"], "yes" if a["active"] else "no") for a in data],
            headers=("account", "name", "active"),
        )

    emit(data, as_json=as_json, render=render)


@groups_app.command("search")
def search_groups(
    query: Annotated[str, typer.Argument(help="Part of the group name.")], as_json: JsonOption = False
) -> None:
    """PerfectQuote groups whose name contains QUERY."""
    with command_context() as context:
        data = [
            {"group_id": g.id, "name": g.name, "benefitpoint_account_id": g.benefitpoint_account_id}
            for g in context.perfectquote.search_groups(query)
        ]
    emit(
        data,
        as_json=as_json,
        render=lambda: table([(g["group_id"], g["name"]) for g in data], headers=("group", "name")),
    )


@groups_app.command("connect")
def connect(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    bp_account_id: Annotated[str, typer.Argument(help="The BenefitPoint account number.")],
    as_json: JsonOption = False,
) -> None:
    """Connect a PerfectQuote group to a BenefitPoint account (one to one)."""
    with command_context() as context:
        group = accounts.connect(sessions=context.sessions, perfectquote=context.perfectquote,
                                 benefitpoint=context.benefitpoint, group_id=group_id,
                                 account_id=bp_account_id)
        data = {
            "group_id": group.group_id,
            "group_name": group.group_name,
            "account_id": group.account_id,
            "account_name": group.account_name,
        }
    emit(
        data,
        as_json=as_json,
        render=lambda: typer.echo(
            f"Connected {data['group_name']} ({data['group_id']}) to BenefitPoint account "
            f"{data['account_name']} ({data['account_id']}). Next: plansync plans {data['group_id']}"
        ),
    )


@groups_app.command("policy")
def policy(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    conflict_policy: Annotated[ConflictPolicy, typer.Argument(
        help="source_of_truth_wins (default): the link's source of truth wins a conflict; "
             "hold_for_review: the link waits for 'plansync settle'.")],
    as_json: JsonOption = False,
) -> None:
    """How a group's conflicts are decided (both systems changed one field to different values)."""
    with command_context() as context:
        accounts.set_conflict_policy(sessions=context.sessions, group_id=group_id, policy=conflict_policy)
    emit({"group_id": group_id, "conflict_policy": conflict_policy.value}, as_json=as_json,
         render=lambda: typer.echo(f"{group_id}: conflicts are now decided by {conflict_policy.value}."))

