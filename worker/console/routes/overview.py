"""The overview: every connected group, its last run and what needs a person, with filters."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from worker.console.web import blocking, context_of, render
from worker.service import console_reads, overview

# The filter's choices: what a group must show to be listed.
SHOWS = {
    "all": "All groups",
    "attention": "Needs attention",
    "failing": "Last run not succeeded",
    "conflicts": "Open conflicts",
    "errors": "Links in error",
    "orphans": "Orphaned links",
    "unreviewed": "Unreviewed plans",
    "never": "Never synced",
}


def _flags(group: dict[str, Any]) -> set[str]:
    run = group["last_run"]
    flags = {
        name
        for name, present in (
            ("conflicts", group["open_conflicts"]),
            ("errors", group["errors"]),
            ("orphans", group["orphaned"]),
            ("unreviewed", group["unreviewed"]),
        )
        if present
    }
    if run is None:
        flags.add("never")
    elif run["outcome"] not in {"succeeded", "running"}:
        flags.add("failing")
    return flags | ({"attention"} if flags else set())


def listed(groups: list[dict[str, Any]], *, text: str, show: str) -> list[dict[str, Any]]:
    """The groups the filter keeps: `text` in an id or a name (any case), and the `show` condition."""
    wanted = text.strip().lower()
    rows = []
    for group in groups:
        haystack = " ".join(
            str(group[key]) for key in ("group_id", "group_name", "account_id", "account_name")
        )
        flags = _flags(group)
        if wanted in haystack.lower() and (show == "all" or show in flags):
            rows.append({**group, "flags": flags})
    return rows


async def overview_page(request: Request) -> Response:
    sessions = context_of(request).sessions
    status = await blocking(overview.status, sessions=sessions)
    successes = await blocking(console_reads.last_successes, sessions=sessions)
    text = request.query_params.get("q", "")
    show = request.query_params.get("show", "all")
    show = show if show in SHOWS else "all"
    rows = [
        {**row, "last_success": successes.get(row["group_id"])}
        for row in listed(status["groups"], text=text, show=show)
    ]
    return render(
        request, "overview.html", groups=rows, total=len(status["groups"]), text=text, show=show, shows=SHOWS
    )


routes = [Route("/", overview_page, methods=["GET"])]
