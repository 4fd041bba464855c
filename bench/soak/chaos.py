"""The chaos phase: edits all along, a worker SIGKILLed every 60-120 s, Redis restarted twice, one outage."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bench.soak.edits import Editor
from bench.soak.procs import PLANSYNC, Processes, RedisServer, SandboxProcess, plansync
from bench.soak.world import stored_links, unfinished_runs

KILL_EVERY_S = (60.0, 120.0)
EDIT_EVERY_S = (0.5, 3.0)
WORKER_COMMAND = [PLANSYNC, "worker", "--processes", "1", "--threads", "2"]


@dataclass(kw_only=True)
class ChaosLog:
    kills: list[tuple[datetime, list[tuple[int, str | None]]]] = field(default_factory=list)
    redis_restarts: int = 0
    worker_deaths: list[str] = field(default_factory=list)
    outage: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Chaos:
    processes: Processes
    redis: RedisServer
    sandboxes: SandboxProcess
    sessions: sessionmaker[Session]
    editor: Editor
    env: dict[str, str]
    rng: random.Random
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log: ChaosLog = field(default_factory=ChaosLog)

    def start_worker(self, slot: int | None = None) -> None:
        proc = self.processes.start(f"worker-{slot if slot is not None else len(self.workers)}",
                                    WORKER_COMMAND, env=self.env)
        if slot is None:
            self.workers.append(proc)
        else:
            self.workers[slot] = proc

    def run(self, *, minutes: float, say: Callable[[str], None]) -> None:
        start = time.monotonic()
        end = start + minutes * 60
        next_kill = start + self.rng.uniform(*KILL_EVERY_S)
        redis_at = [start + (end - start) / 3, start + 2 * (end - start) / 3]
        outage_at = start + (end - start) / 2
        links = stored_links(self.sessions)
        links_read = start
        while (now := time.monotonic()) < end:
            self._revive_dead(say)
            if now - links_read > 20:
                links, links_read = stored_links(self.sessions), now
            self.editor.edit(links)
            if now >= next_kill:
                self._kill_a_worker(say)
                next_kill = now + self.rng.uniform(*KILL_EVERY_S)
            if redis_at and now >= redis_at[0]:
                redis_at.pop(0)
                self.redis.restart()
                self.log.redis_restarts += 1
                say("redis restarted")
            if outage_at and now >= outage_at:
                outage_at = 0
                self._outage(links, say)
            time.sleep(self.rng.uniform(*EDIT_EVERY_S))

    def _revive_dead(self, say: Callable[[str], None]) -> None:
        for slot, proc in enumerate(self.workers):
            if proc.poll() is not None:
                self.log.worker_deaths.append(f"worker-{slot} exited by itself with {proc.returncode}")
                say(self.log.worker_deaths[-1])
                self.processes.kill(proc)
                self.start_worker(slot)

    def _kill_a_worker(self, say: Callable[[str], None]) -> None:
        slot = self.rng.randrange(len(self.workers))
        running = unfinished_runs(self.sessions)
        killed_at = datetime.now(UTC)
        self.processes.kill(self.workers[slot])
        self.log.kills.append((killed_at, running))
        self.start_worker(slot)
        say(f"worker-{slot} killed ({len(running)} runs unfinished at the time)")

    def _outage(self, links: list[Any], say: Callable[[str], None]) -> None:
        """More than half of one group's PerfectQuote plans vanish while a run of the group is asked for."""
        group_id = links[0].group_id
        hidden = [link.perfectquote for link in links if link.group_id == group_id and link.choice == "merge"]
        known = [link for link in links if link.group_id == group_id and link.choice in ("merge", "copy")]
        self.editor.quiet.add(group_id)
        self.sandboxes.command("hide " + " ".join(hidden))
        hidden_at = datetime.now(UTC)
        outcomes = []
        try:
            # A fault may fail the run before it reads the group: asked again until one reads it.
            for _attempt in range(3):
                result = plansync(["sync", group_id, "--wait"], env=self.env, timeout_s=180)
                said = result.stdout.split(":", 1)[-1].split("—")[0].strip()
                outcomes.append(said or result.stderr.strip())
                if "aborted" in result.stdout:
                    break
        finally:
            self.sandboxes.command("restore")
            self.editor.quiet.discard(group_id)
        self.log.outage = {"group_id": group_id, "hidden": len(hidden), "linked": len(known),
                           "outcomes": outcomes, "from": hidden_at, "to": datetime.now(UTC)}
        say(f"outage of {len(hidden)} of {len(known)} plans in {group_id}: runs {outcomes}")
