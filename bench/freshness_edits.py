"""The freshness bench's edits: a plan renamed on one side as a person would; the poll of the other side."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import httpx

from bench.prepared import Prepared

OTHER = {"perfectquote": "benefitpoint", "benefitpoint": "perfectquote"}


@dataclass(slots=True, kw_only=True)
class Edit:
    number: int
    side: str
    link: dict[str, str]
    name: str
    at: float
    seen_after_s: float | None = None

    @property
    def watched_id(self) -> str:
        return self.link[f"{OTHER[self.side]}_plan_id"]


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at or above `share` of the values."""
    ordered = sorted(values)
    rank = math.ceil(len(ordered) * share)
    return ordered[max(0, min(len(ordered), rank) - 1)]


def make_edit(stack: Prepared, client: httpx.Client, *, number: int, link: dict[str, str], side: str) -> Edit:
    plan_id = link[f"{side}_plan_id"]
    names = client.get(f"{stack.world['control_url']}/names", params={side: plan_id}).json()[side]
    name = f"{names[plan_id].split(' [edit ')[0]} [edit {number}]"
    at = time.monotonic()
    if side == "perfectquote":
        answer = client.patch(f"{stack.world['perfectquote_admin_url']}/_sandbox/plans/{plan_id}",
                              json={"name": name})
    else:
        answer = client.post(f"{stack.world['benefitpoint_admin_url']}/_sandbox/products/{plan_id}",
                             json={"name": name})
    answer.raise_for_status()
    return Edit(number=number, side=side, link=link, name=name, at=at)


def poll(stack: Prepared, client: httpx.Client, waiting: list[Edit]) -> None:
    """Mark the edits now visible on their other side."""
    params = {side: ",".join(edit.watched_id for edit in waiting if OTHER[edit.side] == side)
              for side in OTHER}
    names = client.get(f"{stack.world['control_url']}/names", params=params).json()
    now = time.monotonic()
    for edit in waiting:
        if names[OTHER[edit.side]].get(edit.watched_id) == edit.name:
            edit.seen_after_s = now - edit.at
