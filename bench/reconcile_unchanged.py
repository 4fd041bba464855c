"""Reconciles per second of an unchanged link on one core, beside the bound of 50,000 per second."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from reconciliation.decisions import Choice, LinkInput, SideState
from reconciliation.plan_fields import plan_from_json, plan_to_json
from reconciliation.reconcile import reconcile
from reconciliation.side import Side

BOUND_PER_S = 50_000


def unchanged_links() -> list[LinkInput]:
    """Each demo plan as a merged link whose sides hold what their baselines hold (separate objects,
    as a run has them: baselines decoded from storage, currents mapped from the systems)."""
    links = []
    for seed in seed_plans(EMPLOYERS[0]):
        if seed.perfectquote is None:
            continue
        stored = plan_to_json(seed.perfectquote)
        sides = {side: SideState(known=True, baseline=plan_from_json(stored), current=plan_from_json(stored))
                 for side in Side}
        links.append(LinkInput(choice=Choice.MERGE, source_of_truth=Side.PERFECTQUOTE, sides=sides))
    return links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to measure")
    args = parser.parse_args()
    links = unchanged_links()
    for link in links:
        assert not reconcile(link).writes, "an unchanged link must write nothing"
    count, started = 0, time.process_time()
    deadline = started + args.seconds
    while time.process_time() < deadline:
        for link in links:
            reconcile(link)
        count += len(links)
    elapsed = time.process_time() - started
    rate = count / elapsed
    print(f"unchanged links reconciled: {count} in {elapsed:.2f} s CPU ({len(links)} demo plans, one core)")
    print(f"rate: {rate:,.0f} per second, {1e6 / rate:.1f} us each; bound {BOUND_PER_S:,} per second, "
          f"ratio {rate / BOUND_PER_S:.2f}")


if __name__ == "__main__":
    main()
