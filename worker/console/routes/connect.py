"""Connecting a group: find the PerfectQuote group and the BenefitPoint account, then import (connect)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.errors import ConnectorError
from worker.console.web import act, blocking, context_of, form_of, problem, render
from worker.service import accounts


def _search(request: Request, group_query: str, account_query: str, refresh: bool) -> dict[str, Any]:
    """Both searches, as the CLI's `groups search` and `accounts search` make them."""
    context = context_of(request)
    found: dict[str, Any] = {"groups": [], "accounts": []}
    if group_query.strip():
        found["groups"] = context.perfectquote.search_groups(group_query.strip())
    if account_query.strip() or refresh:
        found["accounts"] = accounts.search_accounts(
            sessions=context.sessions,
            benefitpoint=context.benefitpoint,
            query=account_query.strip(),
            refresh=refresh,
        )
    return found


async def connect_page(request: Request) -> Response:
    params = request.query_params
    group_query, account_query = params.get("group_q", ""), params.get("account_q", "")
    refresh = params.get("refresh") == "1"
    error = None
    try:
        found = await blocking(_search, request, group_query, account_query, refresh)
    except ConnectorError as failure:
        found, error = (
            {"groups": [], "accounts": []},
            f"{failure.system} could not be searched: {problem(failure)}",
        )
    return render(
        request,
        "connect.html",
        group_query=group_query,
        account_query=account_query,
        refreshed=refresh,
        found=found,
        error=error,
        chosen_group=params.get("group_id", ""),
    )


async def connect(request: Request) -> Response:
    form = await form_of(request)
    group_id, account_id = form.get("group_id", "").strip(), form.get("account_id", "").strip()
    back = "/connect?" + urlencode(
        {"group_q": form.get("group_q", ""), "account_q": form.get("account_q", "")}
    )
    if not group_id or not account_id:
        return await act(request, _missing, back=back, done="")
    context = context_of(request)
    return await act(
        request,
        lambda: accounts.connect(
            sessions=context.sessions,
            perfectquote=context.perfectquote,
            benefitpoint=context.benefitpoint,
            group_id=group_id,
            account_id=account_id,
        ),
        back=back,
        done=lambda group: (
            f"Connected {group.group_name} ({group.group_id}) to BenefitPoint account "
            f"{group.account_name} ({group.account_id}). Choose which plans to sync."
        ),
        then=lambda group: f"/groups/{quote(group.group_id)}",
    )


def _missing() -> None:
    raise ValueError("pick one PerfectQuote group and one BenefitPoint account, then Import")


routes = [
    Route("/connect", connect_page, methods=["GET"]),
    Route("/connect", connect, methods=["POST"]),
]
