"""Random edits on both sides through the sandboxes' admin endpoints, as people make them; each recorded."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx

from bench.soak.checks import Edit, SoakLink

CLASH_SHARE = 0.1
# The canonical field, and its name in each system's admin endpoint.
FIELDS = {"name": {"perfectquote": "name", "benefitpoint": "name"},
          "group_number": {"perfectquote": "group_number", "benefitpoint": "policyNumber"}}


class Editor:
    """Edits plans of carried links (never a skipped plan, never a group in `quiet`)."""

    def __init__(self, *, env: dict[str, str], rng: random.Random) -> None:
        self.pq_admin = env["PERFECTQUOTE_URL"].removesuffix("/api/v1") + "/_sandbox/plans/"
        self.bp_admin = env["BENEFITPOINT_URL"] + "/_sandbox/products/"
        self.rng = rng
        self.http = httpx.Client(timeout=10)
        self.edits: list[Edit] = []
        self.refused: list[str] = []
        self.quiet: set[str] = set()
        self.clashes = 0

    def edit(self, links: list[SoakLink]) -> Edit | None:
        """One edit; now and then (CLASH_SHARE) the same field of a merged pair on the other side too, at
        once, so that the next run finds both sides changed."""
        choices = [(link, side) for link in links if link.choice in ("merge", "copy")
                   and link.group_id not in self.quiet
                   for side in ("perfectquote", "benefitpoint") if link.plan(side)]
        if not choices:
            return None
        link, side = self.rng.choice(choices)
        field = self.rng.choice(sorted(FIELDS))
        made = self._write(link, side, field)
        if made is not None and link.choice == "merge" and self.rng.random() < CLASH_SHARE:
            other = "benefitpoint" if side == "perfectquote" else "perfectquote"
            if self._write(link, other, field) is not None:
                self.clashes += 1
        return made

    def _write(self, link: SoakLink, side: str, field: str) -> Edit | None:
        plan_id = link.plan(side)
        assert plan_id is not None
        value = f"Soak {field} {len(self.edits) + 1}" if field == "name" else f"SK-{len(self.edits) + 1:05d}"
        body = {FIELDS[field][side]: value}
        at = datetime.now(UTC)
        if side == "perfectquote":
            response = self.http.patch(self.pq_admin + plan_id, json=body)
        else:
            response = self.http.post(self.bp_admin + plan_id, json=body)
        if response.status_code != 200:
            # A plan a copy has not created yet, or a system refusing the value: not an edit made.
            self.refused.append(f"{side} {plan_id} {field}: {response.status_code} {response.text[:100]}")
            return None
        made = Edit(side=side, plan_id=plan_id, link_id=link.link_id, field=field, value=value, at=at)
        self.edits.append(made)
        return made

    def faults(self, settings: dict[str, float], *, exchange_url: str) -> None:
        """The same fault settings on the three sandboxes."""
        for url in (self.pq_admin.removesuffix("/plans/"), self.bp_admin.removesuffix("/products/"),
                    exchange_url + "/_sandbox"):
            self.http.put(url + "/faults", json=settings).raise_for_status()

    def close(self) -> None:
        self.http.close()
