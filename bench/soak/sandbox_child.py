"""The sandboxes in a process of their own: seeded, then serving until stdin closes.

Prints one JSON line (URLs, each group's plans by role), then reads commands on stdin, one a line:
`hide PLAN_ID ...` takes PerfectQuote plans out of the store (they answer 404 and leave their group's
listing, with no entry in the change feed, as in an outage), `restore` puts them back as they were.
Each command is answered `ok`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.big_world import FIRST_ACCOUNT_ID, _employer, group_plans, seed_employer
from connectors.sandbox.benefitpoint.seed import _add_plan
from connectors.sandbox.benefitpoint.store import Store
from connectors.sandbox.launcher import start_sandboxes
from connectors.sandbox.perfectquote.seed import plan_record
from connectors.sandbox.perfectquote.store import PerfectQuoteStore

# Per group, besides the merged pairs: a plan of each side to copy and one of each side to skip.
SINGLES = ("copy_pq", "copy_bp", "skip_pq", "skip_bp")


def _seed_group(pq: PerfectQuoteStore, bp: Store, *, index: int, pairs: int) -> dict[str, Any]:
    employer = _employer(index)
    group_id = employer.perfectquote_group_id
    account = seed_employer(pq, bp, employer, index=index)

    def on_pq(plan: Any, number: int) -> str:
        _status, created = pq.create_plan(group_id, plan_record(plan), key=f"soak-{group_id}-{number}")
        return str(created["id"])

    def on_bp(plan: Any) -> str:
        _add_plan(bp, plan, account=account)
        return str(next(reversed(bp.products)))

    plans = group_plans(employer, plans=pairs + len(SINGLES))
    merges = [(on_pq(plan, number), on_bp(plan)) for number, plan in enumerate(plans[:pairs])]
    singles = dict(zip(SINGLES, plans[pairs:], strict=True))
    return {"group_id": group_id, "account_id": str(FIRST_ACCOUNT_ID + index), "merges": merges,
            "copy_pq": on_pq(singles["copy_pq"], pairs), "copy_bp": on_bp(singles["copy_bp"]),
            "skip_pq": on_pq(singles["skip_pq"], pairs + 2), "skip_bp": on_bp(singles["skip_bp"])}


def _serve_commands(pq: PerfectQuoteStore) -> None:
    hidden: dict[str, dict[str, Any]] = {}
    for line in sys.stdin:
        words = line.split()
        with pq._lock:
            if words and words[0] == "hide":
                hidden.update({plan_id: pq.plans.pop(plan_id) for plan_id in words[1:]
                               if plan_id in pq.plans})
            elif words == ["restore"]:
                pq.plans.update(hidden)
                hidden.clear()
        print("ok", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, required=True)
    parser.add_argument("--pairs", type=int, required=True)
    parser.add_argument("--fault-seed", type=int, default=0)
    args = parser.parse_args()
    sandboxes = start_sandboxes(rate_limit=False, fault_seed=args.fault_seed)
    try:
        pq: PerfectQuoteStore = sandboxes.perfectquote_app.state.store
        bp: Store = sandboxes.benefitpoint_app.state.store
        groups = [_seed_group(pq, bp, index=index, pairs=args.pairs) for index in range(args.groups)]
        print(json.dumps({"env": sandboxes.environment(), "groups": groups}), flush=True)
        _serve_commands(pq)
    finally:
        sandboxes.stop()


if __name__ == "__main__":
    main()
