"""What the out-of-process benches run on: their own database and redis-server, the sandbox host, plansync's
own processes, and those processes' CPU time and peak memory from /proc."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from connectors.sandbox.server import free_port

REPO = Path(__file__).resolve().parent.parent
PLANSYNC = str(Path(sys.executable).with_name("plansync"))
ADMIN_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@contextmanager
def own_database() -> Iterator[str]:
    """A PostgreSQL database of a unique name, dropped at the end."""
    name = f"plansync_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(ADMIN_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Processes:
    """Child processes, each in a session of its own so that its own children stop with it."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str], *,
              env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "wb") as log_file:
            proc = subprocess.Popen(args, cwd=REPO, env={**os.environ, **(env or {})}, stdout=log_file,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def running(logs: Path) -> Iterator[Processes]:
    """Every process started through it stops at the end, on Ctrl-C and SIGTERM too."""
    processes = Processes(logs)
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        yield processes
    finally:
        processes.stop_all()
        signal.signal(signal.SIGTERM, previous)


def redis_server(processes: Processes) -> str:
    """A redis-server of our own on a free port, nothing saved: no key of anyone else's is near."""
    port = free_port()
    processes.start("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"])
    wait_for(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                    text=True).stdout.strip() == "PONG", what="redis-server", timeout_s=10)
    return f"redis://127.0.0.1:{port}/0"


def sandbox_host(processes: Processes, *, groups: int, plans: int, latency_ms: float,
                 timeout_s: float = 3600) -> dict[str, Any]:
    """The seeded sandboxes in their own process; their world as the host wrote it."""
    ready = processes.logs / "world.json"
    proc = processes.start("sandboxes", [sys.executable, str(REPO / "bench" / "sandbox_host.py"),
                                         "--groups", str(groups), "--plans", str(plans),
                                         "--latency-ms", str(latency_ms), "--ready", str(ready)])
    wait_for(lambda: ready.exists() or proc.poll() is not None, what="the sandbox host", timeout_s=timeout_s,
             every_s=0.5)
    if not ready.exists():
        raise SystemExit(f"the sandbox host stopped; see {processes.logs / 'sandboxes.log'}")
    world: dict[str, Any] = json.loads(ready.read_text())
    world["pid"] = proc.pid
    return world


def wait_for(condition: Callable[[], object], *, what: str, timeout_s: float, every_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} was not ready after {timeout_s:g} s")
        time.sleep(every_s)


def tree(pid: int) -> list[int]:
    """`pid` and its descendants, now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_s(pids: list[int]) -> float:
    """User + system CPU time of these processes and their descendants, children already reaped included."""
    total_ticks = 0
    for pid in {member for root in pids for member in tree(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total_ticks += sum(int(value) for value in fields[11:15])
    return total_ticks / CLOCK_TICKS


def peak_rss_mb(pids: list[int]) -> dict[int, float]:
    """VmHWM (the peak resident set) of each process of these trees that runs Python."""
    peaks = {}
    for pid in {member for root in pids for member in tree(root)}:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1]) / 1024
    return peaks


def load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def postgres_roots() -> list[int]:
    """The PostgreSQL servers running here (their postmasters): with `cpu_s`, the database's own CPU."""
    names: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
                names[int(entry.name)] = (name, int(rest.split()[1]))
            except (OSError, IndexError, ValueError):
                continue
    return [pid for pid, (name, parent) in names.items()
            if name == "postgres" and names.get(parent, ("", 0))[0] != "postgres"]


def cpu_ticks() -> tuple[int, int]:
    """The machine's CPU ticks so far: all of them, and those stolen by the hypervisor (`steal_percent`)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def steal_percent(before: tuple[int, int]) -> float:
    """The share of the machine's time since `before` that its hypervisor gave to others: a noisy
    neighbour's share, which makes CPU per plan vary from run to run on a shared host."""
    total, stolen = cpu_ticks()
    elapsed = total - before[0]
    return 100 * (stolen - before[1]) / elapsed if elapsed else 0.0

