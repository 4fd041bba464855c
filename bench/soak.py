"""A soak you can rerun: plansync's workers, clock, Redis and database under faults, kills and edits.

    .venv/bin/python bench/soak.py --minutes 3                 # a quick run
    .venv/bin/python bench/soak.py --minutes 30 --groups 20 --plans 4 --seed 1 > soak.log 2>&1

Exits 0 only if every check holds; see bench/README.md (the soak) for what it does and checks.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.soak import checks
from bench.soak.chaos import Chaos
from bench.soak.edits import Editor
from bench.soak.procs import PLANSYNC, Database, Processes, RedisServer, SandboxProcess, plansync
from bench.soak.rates import rates_not_writable
from bench.soak.report import plan_counts, render
from bench.soak.settle import FAULTS_OFF, open_conflicts, settle_conflicts, wait_first_sync, wait_quiet
from bench.soak.world import (
    abandoned_runs,
    connect_world,
    orphaning_runs,
    read_plans,
    run_starts,
    runs_by_outcome,
    stored_links,
    unfinished_runs,
)
from config.logging import configure_logging
from config.settings import load_settings
from connectors.sandbox.launcher import fault_settings
from worker.runtime.context import build_context

FEED_CYCLE_S = 10
START = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - START:7.1f} s] {message}", flush=True)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the chaos phase")
    parser.add_argument("--groups", type=int, default=20, help="connected groups")
    parser.add_argument("--plans", type=int, default=4,
                        help="merged pairs per group (3 or more); each group also copies 2 plans and skips 2")
    parser.add_argument("--fault-rate", type=float, default=0.10, help="share of requests that fail, 0-1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the logs and the database")
    args = parser.parse_args()
    problems = ((args.plans < 3, f"--plans {args.plans}: 3 or more (the outage hides more than half)"),
                (args.groups < 1, f"--groups {args.groups}: 1 or more"),
                (args.minutes <= 0, f"--minutes {args.minutes:g}: above 0"),
                (not 0 <= args.fault_rate <= 1, f"--fault-rate {args.fault_rate:g}: between 0 and 1"))
    for wrong, message in problems:
        if wrong:
            parser.error(message)
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _interrupted)
    workdir = Path(tempfile.mkdtemp(prefix="plansync-soak-"))
    processes = Processes(logs=workdir)
    database: Database | None = None
    say(f"logs in {workdir}")
    own_log = (workdir / "soak.log").open("a", encoding="utf-8")
    # This process's own reads log a line per BenefitPoint login: kept out of the results.
    configure_logging(level="warning", stream=own_log)
    try:
        database = Database()
        return soak(args, processes=processes, database=database, workdir=workdir)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except RuntimeError as error:
        say(f"the soak stopped: {error}")
        return 1
    finally:
        processes.stop_all()
        own_log.close()
        if database is not None and not args.keep:
            database.drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif database is not None:
            say(f"kept {workdir} and database {database.name}")


def soak(args: argparse.Namespace, *, processes: Processes, database: Database, workdir: Path) -> int:
    rng = random.Random(args.seed)
    redis = RedisServer(processes, workdir=workdir)
    redis.start()
    sandboxes = SandboxProcess(processes, groups=args.groups, pairs=args.plans, fault_seed=args.seed)
    groups = sandboxes.world["groups"]
    env = {**sandboxes.world["env"], "DATABASE_URL": database.url, "REDIS_URL": redis.url,
           "FEED_CYCLE_S": str(FEED_CYCLE_S)}
    upgraded = plansync(["db", "upgrade"], env=env)
    if upgraded.returncode != 0:
        raise SystemExit(f"plansync db upgrade failed: {upgraded.stderr.strip()}")
    context = build_context(load_settings(env))
    connect_world(context.sessions, groups)
    before = read_plans(context, groups)
    skipped_before = _skipped(before, groups)
    editor = Editor(env=env, rng=rng)
    exchange_url = env["CARRIER_EXCHANGE_URL"]
    chaos = Chaos(processes=processes, redis=redis, sandboxes=sandboxes, sessions=context.sessions,
                  editor=editor, env=env, rng=rng)
    for _worker in range(2):
        chaos.start_worker()
    processes.start("clock", [PLANSYNC, "clock"], env=env)
    # The first sync of a merge takes the source of truth's values: an edit made before it is no edit
    # the sync owes to the other side, so the edits wait for it.
    if plansync(["sync", "--all"], env=env).returncode != 0:
        raise RuntimeError("plansync sync --all failed (see the workers' logs)")
    first_s = wait_first_sync(context.sessions)
    faults = fault_settings(fault_rate=args.fault_rate)
    editor.faults({name: getattr(faults, name) for name in FAULTS_OFF}, exchange_url=exchange_url)
    links_made = len(stored_links(context.sessions))
    say(f"{args.groups} groups, {links_made} links, first synced in {first_s:.0f} s; "
        f"chaos for {args.minutes:g} min")
    chaos.run(minutes=args.minutes, say=say)
    editor.faults(FAULTS_OFF, exchange_url=exchange_url)
    say(f"chaos over: {len(editor.edits)} edits; faults off, settling")
    settle_s = wait_quiet(context.sessions, say=say)
    conflicts = settle_conflicts(env, say=say)
    if conflicts:
        settle_s += wait_quiet(context.sessions, say=say)
    after = read_plans(context, groups)
    links = stored_links(context.sessions)
    unfinished = unfinished_runs(context.sessions)
    closed = abandoned_runs(context.sessions) | {run_id for run_id, _group in unfinished}
    kills = [(at, {group for run_id, group in running if group and run_id in closed})
             for at, running in chaos.log.kills]
    outage = chaos.log.outage
    orphaning = orphaning_runs(context.sessions, group_id=outage["group_id"], since=outage["from"],
                               until=outage["to"])
    problems = {
        "linked pairs equal": checks.pairs_equal(links, after),
        "one-sided edits on both sides": checks.one_sided_edits(editor.edits, links, after),
        "no plan created twice": checks.no_plan_twice(links, after),
        "skipped plans untouched": checks.skipped_untouched(skipped_before, _skipped(after, groups)),
        "no run left running": checks.no_run_running(unfinished),
        "no link orphaned, held or in error": checks.links_healthy(links),
        "outage guard fired, nothing orphaned": checks.outage_guarded(outage["outcomes"], orphaning),
        "no worker died by itself": list(chaos.log.worker_deaths),
        "no conflict left open": [f"conflict {row['conflict_id']} on link {row['link_id']} ({row['field']})"
                                  for row in open_conflicts(env)],
    }
    outcomes = runs_by_outcome(context.sessions)
    problems["rates-not-writable mode"] = rates_not_writable(
        chaos, context, after, read=lambda: read_plans(context, groups), say=say)
    figures = {
        "chaos": f"{args.minutes:g} min, {args.groups} groups, fault rate {args.fault_rate:g}, "
                 f"seed {args.seed}",
        "edits made (refused; both sides of a field at once)":
            f"{len(editor.edits)} ({len(editor.refused)}; {editor.clashes})",
        "workers SIGKILLed": len(chaos.log.kills),
        "Redis restarts": chaos.log.redis_restarts,
        "outage": f"{outage['hidden']} of {outage['linked']} linked plans of {outage['group_id']} missing "
                  f"for {(outage['to'] - outage['from']).total_seconds():.0f} s; runs asked for: "
                  f"{', '.join(outage['outcomes'])}",
        "conflicts settled with plansync settle": conflicts,
        "settling took": f"{settle_s:.0f} s",
        "plans per side before": plan_counts(before),
        "plans per side after": plan_counts(after),
        "_wait": checks.longest_wait(kills, run_starts(context.sessions)),
    }
    print(render(figures=figures, outcomes=outcomes, problems=problems), flush=True)
    editor.close()
    context.engine.dispose()
    return 0 if not any(problems.values()) else 1


def _skipped(plans: checks.Plans, groups: list[dict[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for group in groups:
        for side, key in (("perfectquote", "skip_pq"), ("benefitpoint", "skip_bp")):
            plan_id = str(group[key])
            found[f"{side}:{plan_id}"] = plans[side][str(group["group_id"])].get(plan_id)
    return found


if __name__ == "__main__":
    sys.exit(main())
