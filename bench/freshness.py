"""Edit -> visible on the other side, with real `plansync worker` processes and the clock at its cadence.

    .venv/bin/python bench/freshness.py                       # 200 edits over 10 minutes, 100 groups x 10
    .venv/bin/python bench/freshness.py --minutes 3 --edits 40 --groups 20

The sandboxes run in a process of their own with `--latency-ms` on every request; plansync is two
`plansync worker` commands and one `plansync clock` (FEED_CYCLE_S as the environment has it: unset, 60 s),
on a database and a redis-server of the bench's own. Edits rename a plan at random times, on either side
as a person would (the sandboxes' admin edits); the other side is polled once a second through the
sandbox host's control port, which reads the stores directly (no call counted, no latency).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.freshness_edits import OTHER, Edit, make_edit, percentile, poll
from bench.prepared import Prepared, prepared
from bench.stack import load
from reconciliation.side import Side
from reconciliation.storage import repository as repo

P95_BOUND_S = 120.0
P99_BOUND_S = 180.0
POLL_S = 1.0


def run_edits(stack: Prepared, *, edits: int, minutes: float, grace_s: float, seed: int) -> list[Edit]:
    rng = random.Random(seed)
    schedule = sorted(rng.uniform(0, minutes * 60) for _ in range(edits))
    done: list[Edit] = []
    waiting: list[Edit] = []
    started = time.monotonic()
    with httpx.Client(timeout=30) as client:
        while schedule or (waiting and time.monotonic() < started + minutes * 60 + grace_s):
            while schedule and time.monotonic() - started >= schedule[0]:
                schedule.pop(0)
                # A link with an edit still travelling is left alone: a second edit on it would be a
                # conflict, which is another measurement.
                busy = {edit.link["perfectquote_plan_id"] for edit in waiting}
                link = rng.choice([link for link in stack.world["links"]
                                   if link["perfectquote_plan_id"] not in busy])
                edit = make_edit(stack, client, number=len(done) + len(waiting) + 1, link=link,
                                 side=rng.choice(sorted(OTHER)))
                waiting.append(edit)
            if waiting:
                poll(stack, client, waiting)
                done += [edit for edit in waiting if edit.seen_after_s is not None]
                waiting = [edit for edit in waiting if edit.seen_after_s is None]
            time.sleep(POLL_S)
    return done + waiting


def report(edits: list[Edit], *, feed_cycle_s: str) -> None:
    seen = [edit.seen_after_s for edit in edits if edit.seen_after_s is not None]
    print(f"\n== edit -> visible on the other side ({load()}; FEED_CYCLE_S {feed_cycle_s})")
    print(f"edits: {len(edits)} ({sum(edit.side == 'perfectquote' for edit in edits)} in PerfectQuote, "
          f"{sum(edit.side == 'benefitpoint' for edit in edits)} in BenefitPoint); seen {len(seen)}; "
          f"never seen {len(edits) - len(seen)}")
    if not seen:
        return
    for label, share in (("p50", 0.50), ("p90", 0.90)):
        print(f"{label}: {percentile(seen, share):6.1f} s")
    for label, share, bound in (("p95", 0.95, P95_BOUND_S), ("p99", 0.99, P99_BOUND_S)):
        value = percentile(seen, share)
        print(f"{label}: {value:6.1f} s   bound {bound:g} s, ratio {value / bound:.2f}")
    print(f"max: {max(seen):6.1f} s")
    for side in OTHER:
        of_side = [edit.seen_after_s for edit in edits if edit.side == side and edit.seen_after_s is not None]
        if of_side:
            print(f"  edited in {side}: p50 {percentile(of_side, 0.5):.1f} s, "
                  f"p95 {percentile(of_side, 0.95):.1f} s, max {max(of_side):.1f} s")


def explain_unseen(stack: Prepared, edits: list[Edit]) -> None:
    """Each edit never seen, with its link as plansync holds it; runs by outcome and open conflicts."""
    unseen = [edit for edit in edits if edit.seen_after_s is None]
    with stack.context.sessions() as session:
        runs = Counter(run.outcome.value for run in repo.recent_runs(session, limit=100_000))
        conflicts = repo.open_conflicts(session)
        print(f"runs by outcome: {dict(runs)}; open conflicts: {len(conflicts)}")
        for edit in unseen:
            link = next(link for link in repo.links_for_group(session, edit.link["group_id"])
                        if link.plan_ids[Side.PERFECTQUOTE] == edit.link["perfectquote_plan_id"])
            print(f"  never seen: edit {edit.number} in {edit.side} {edit.link[f'{edit.side}_plan_id']} "
                  f"({edit.name!r}); link {link.id} {link.state.value}, last error {link.last_error!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="over how long the edits are made")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--plans", type=int, default=10, help="plans per group, on each side")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added to every sandbox request")
    parser.add_argument("--threads", type=int, default=4, help="threads of each of the 2 worker processes")
    parser.add_argument("--grace-s", type=float, default=300.0,
                        help="how long to wait for the last edits after the edit period")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder")
    args = parser.parse_args()
    if min(args.edits, args.groups, args.plans, args.threads) < 1 or args.minutes <= 0:
        parser.error("--minutes, --edits, --groups, --plans and --threads must be positive")
    if args.edits > args.groups * args.plans:
        parser.error("--edits must not exceed the number of links (--groups x --plans)")
    with tempfile.TemporaryDirectory() as folder, prepared(groups=args.groups, plans=args.plans,
                                                           latency_ms=args.latency_ms,
                                                           logs=args.logs or Path(folder)) as stack:
        stack.start_workers(2, threads=args.threads)
        stack.start_clock()
        print(f"2 `plansync worker` (1 process, {args.threads} threads each) and `plansync clock` started; "
              f"{args.edits} edits over {args.minutes:g} min", flush=True)
        edits = run_edits(stack, edits=args.edits, minutes=args.minutes, grace_s=args.grace_s, seed=args.seed)
        report(edits, feed_cycle_s=os.environ.get("FEED_CYCLE_S", "unset: 60 s"))
        explain_unseen(stack, edits)


if __name__ == "__main__":
    main()
