"""The soak's own processes: Redis, a database, the sandboxes, plansync workers and clock."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import redis
from sqlalchemy import create_engine, text

from connectors.sandbox.server import free_port

REPO = Path(__file__).resolve().parents[2]
PLANSYNC = str(Path(sys.executable).parent / "plansync")
ADMIN_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Processes:
    """Every child started here, each in a process group of its own, so a kill takes its children too."""

    def __init__(self, *, logs: Path) -> None:
        self.logs = logs
        self.children: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], *, env: dict[str, str] | None = None,
              stdin: int | None = None, stdout: int | IO[bytes] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child writes it as long as it runs
        proc = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {})}, stdin=stdin,
                                stdout=stdout if stdout is not None else log, stderr=log,
                                start_new_session=True)
        log.close()
        self.children.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes], *, signum: int = signal.SIGKILL,
             wait_s: float = 10) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signum)
            try:
                proc.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc in self.children:
            self.children.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.children)):
            self.kill(proc, signum=signal.SIGTERM, wait_s=15)


class RedisServer:
    """A redis-server of the soak's own on a free port, with no persistence: a restart loses every queue."""

    def __init__(self, processes: Processes, *, workdir: Path) -> None:
        self.processes = processes
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = self.processes.start("redis", [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.workdir)])
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer on port {self.port}") from None
                time.sleep(0.1)
        client.close()

    def restart(self) -> None:
        assert self.proc is not None
        self.processes.kill(self.proc)
        self.start()


class Database:
    """A PostgreSQL database of a unique name, created now and dropped by `drop`."""

    def __init__(self) -> None:
        self.name = f"plansync_soak_{secrets.token_hex(4)}"
        self.url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/{self.name}"
        self._admin = create_engine(ADMIN_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


class SandboxProcess:
    """bench/soak/sandbox_child.py: the seeded world it printed, and its hide/restore commands."""

    def __init__(self, processes: Processes, *, groups: int, pairs: int, fault_seed: int) -> None:
        self.proc = processes.start("sandboxes", [
            sys.executable, str(REPO / "bench" / "soak" / "sandbox_child.py"), "--groups", str(groups),
            "--pairs", str(pairs), "--fault-seed", str(fault_seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process stopped before it was seeded (see sandboxes.log)")
        self.world: dict[str, Any] = json.loads(line)

    def command(self, line: str) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != b"ok":
            raise RuntimeError(f"the sandbox process did not answer {line.split()[0]!r}")


def plansync(args: list[str], *, env: dict[str, str],
             timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    """One `plansync` command, as an operator runs it."""
    return subprocess.run([PLANSYNC, *args], cwd=REPO, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=timeout_s, check=False)
