"""A changed cycle profiled: in this process by CPU time (cProfile), or in the real workers (py-spy)."""

from __future__ import annotations

import cProfile
import pstats
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench.cycle_runner import sync_nudged
from bench.stack import load
from worker.runtime import jobs
from worker.runtime.process_context import get_context


def in_process(*, changed: int, out: Path | None) -> None:
    """The real feed cycle and each changed group's sync in this process, one after another: plansync's CPU
    per changed plan with no threads, GIL hand-offs or Dramatiq (steadier from run to run than B's, so
    the figure to compare two trees by), and with `out` under cProfile into that file."""
    # CPU time, not wall time: the waits on the sandboxes are not plansync's cost.
    profiler = cProfile.Profile(time.process_time) if out is not None else None
    database = Statements(get_context().sessions.kw["bind"])
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    with database.counted():
        plan = jobs.feed_cycle()
        for group_id in plan.group_ids:
            sync_nudged(group_id, plan.plan_refs.get(group_id))
    if profiler is not None:
        profiler.disable()
    wall_s, cpu_used_s = time.perf_counter() - started, time.process_time() - cpu_started
    mode = "under cProfile" if profiler is not None else "no profiler"
    print(f"\n== C: {changed} plans changed, the cycle in this process, one group after another ({mode}): "
          f"{len(plan.group_ids)} groups in {wall_s:.2f} s; CPU {cpu_used_s:.2f} s, "
          f"{1000 * cpu_used_s / changed:.1f} ms per changed plan ({load()})")
    # Counted, not timed: the same from run to run, on any machine.
    print(f"SQL statements {database.statements} ({database.statements / changed:.1f} per changed plan), "
          f"commits {database.commits} ({database.commits / changed:.1f} per changed plan)")
    if profiler is None or out is None:
        return
    profiler.dump_stats(out)
    print(f"profile in {out}")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


class Statements:
    """What the cycle asks of the database, as the engine sends it: statements (an executemany is one) and
    commits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements = self.commits = 0

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _commit(self, *_args: Any) -> None:
        self.commits += 1

    @contextmanager
    def counted(self) -> Iterator[None]:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        try:
            yield
        finally:
            event.remove(self.engine, "before_cursor_execute", self._statement)
            event.remove(self.engine, "commit", self._commit)


@contextmanager
def sampled(pids: list[int], *, out: Path, idle: bool) -> Iterator[None]:
    """py-spy samples each worker command and its children while the block runs, as collapsed stacks in
    `out`/<pid>.txt: the stacks holding the GIL (plansync's CPU), or with `idle` every thread's, waits
    included (where the wall time goes: a socket, a lock, the database)."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
    out.mkdir(parents=True, exist_ok=True)
    spies = [subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--threads",
                               "--idle" if idle else "--gil", "--rate", "100", "--format", "raw",
                               "--output", str(out / f"{pid}.txt")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in pids]
    time.sleep(1.0)
    try:
        yield
    finally:
        for proc in spies:
            proc.send_signal(signal.SIGINT)
        for proc in spies:
            proc.wait(timeout=60)
        print(f"py-spy stacks of the workers in {out}")
