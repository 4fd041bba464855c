"""Run many `plansync` invocations cheaply: import the real entry point once, then fork one process per case.

Each child is the installed command as a user runs it (`worker.cli.app:main`, its own environment,
argv, stdout and stderr, its exit status), minus the second and a half of imports. Reads a JSON list
of cases (`args`, `env`) on stdin; writes a JSON list of answers (`code`, `stdout`, `stderr`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from worker.cli.app import main

TIMEOUT_S = 90.0
AT_ONCE = 4


def _child(case: dict[str, Any], out: Path, err: Path) -> None:
    """In the fork: the case's process, from the environment to the exit status."""
    code = 1
    try:
        os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.environ.clear()
        os.environ.update(case["env"])
        sys.argv = ["plansync", *case["args"]]
        try:
            main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:  # what the interpreter would print for an escaped exception
            traceback.print_exc()
            code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_all(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="plansync-cases-"))
    answers: list[dict[str, Any] | None] = [None] * len(cases)
    running: dict[int, tuple[int, float]] = {}
    waiting = list(range(len(cases)))
    while waiting or running:
        while waiting and len(running) < AT_ONCE:
            index = waiting.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(cases[index], folder / f"{index}.out", folder / f"{index}.err")
            running[pid] = (index, time.monotonic())
        for pid, (index, started) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            timed_out = not done and time.monotonic() - started > TIMEOUT_S
            if timed_out:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            if done or timed_out:
                del running[pid]
                stderr = (folder / f"{index}.err").read_text(errors="replace")
                answers[index] = {
                    "code": -1 if timed_out else os.waitstatus_to_exitcode(status),
                    "stdout": (folder / f"{index}.out").read_text(errors="replace"),
                    "stderr": stderr + (f"\nstill running after {TIMEOUT_S} s" if timed_out else ""),
                }
        time.sleep(0.02)
    return [answer or {} for answer in answers]


if __name__ == "__main__":
    json.dump(run_all(json.load(sys.stdin)), sys.stdout)
