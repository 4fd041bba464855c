"""After the checks: a worker in the rates-not-writable mode, and a PerfectQuote edit of a rate and a name."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.soak.chaos import Chaos
from bench.soak.checks import Plans, SoakLink
from bench.soak.world import stored_links
from reconciliation.records import NOT_TAKEN
from reconciliation.storage import repository as repo
from worker.runtime.context import SyncContext

WAIT_S = 120.0
RATE = "777.77"


def rates_not_writable(chaos: Chaos, context: SyncContext, plans: Plans, *,
                       read: Callable[[], Plans], say: Callable[[str], None]) -> list[str]:
    """Both workers replaced by one with BENEFITPOINT_RATES_WRITABLE=false; a merged plan's employee
    rate and name edited in PerfectQuote: the name reaches BenefitPoint, the rate does not, the link
    says so."""
    link = _tiered_merge(stored_links(context.sessions), plans)
    if link is None:
        return ["no merged plan with tiered rates to edit"]
    for proc in list(chaos.workers):
        chaos.processes.kill(proc, signum=15, wait_s=30)
    chaos.workers.clear()
    chaos.env = {**chaos.env, "BENEFITPOINT_RATES_WRITABLE": "false"}
    chaos.start_worker()
    bp_before = plans["benefitpoint"][link.group_id][link.benefitpoint or ""]["fields"]
    name = "Soak rates not writable"
    admin = chaos.env["PERFECTQUOTE_URL"].removesuffix("/api/v1") + "/_sandbox/plans/"
    httpx.patch(admin + (link.perfectquote or ""), timeout=10,
                json={"name": name, "rates": {"tiers": {"employee": RATE}}}).raise_for_status()
    say(f"rates not writable: edited {link.perfectquote} of link {link.link_id}")
    deadline = time.monotonic() + WAIT_S
    note: str | None = None
    while time.monotonic() < deadline and note is None:
        time.sleep(5)
        with context.sessions() as session:
            note = repo.get_link(session, link.link_id).not_taken
    bp_after = read()["benefitpoint"][link.group_id][link.benefitpoint or ""]["fields"]
    problems = []
    if note is None or "rates" not in note or NOT_TAKEN not in note:
        problems.append(f"link {link.link_id} does not say BenefitPoint did not take the rates ({note})")
    if bp_after.get("name") != repr(name):
        problems.append(f"link {link.link_id}: the name did not reach BenefitPoint ({bp_after.get('name')})")
    if bp_after.get("rates") != bp_before.get("rates"):
        problems.append(f"link {link.link_id}: BenefitPoint's rates changed")
    return problems


def _tiered_merge(links: list[SoakLink], plans: Plans) -> SoakLink | None:
    def tiered(link: SoakLink) -> bool:
        fields: dict[str, Any] = plans["perfectquote"][link.group_id].get(link.perfectquote or "", {}).get(
            "fields", {})
        return "<Tier.EE: 'ee'>" in fields.get("rates", "")
    return next((link for link in links if link.choice == "merge" and tiered(link)), None)

