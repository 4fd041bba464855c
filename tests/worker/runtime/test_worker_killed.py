from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from config.broker import make_broker
from config.settings import load_settings
from tests.conftest import REDIS_URL
from tests.worker.runtime.conftest import wait_until
from tests.worker.runtime.worker_app import TIMING
from worker.runtime.actors import Actors, declare_actors

REPO = Path(__file__).resolve().parents[3]


class Workers:
    """`dramatiq` worker processes (one process, two threads each) on this test's namespace."""

    def __init__(self, *, namespace: str, record: Path, logs: Path) -> None:
        self.namespace, self.record, self.logs = namespace, record, logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *, sleep_s: float) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PLANSYNC_TEST_REDIS_URL": REDIS_URL, "PLANSYNC_TEST_NAMESPACE": self.namespace,
               "PLANSYNC_TEST_RECORD": str(self.record), "PLANSYNC_TEST_SLEEP_S": str(sleep_s)}
        with open(self.logs / f"worker-{len(self.procs)}.log", "wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dramatiq", "tests.worker.runtime.worker_app:setup",
                 "--processes", "1",
                 "--threads", "2", "--path", str(REPO)],
                cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def lines(self, kind: str) -> list[str]:
        if not self.record.exists():
            return []
        return [line for line in self.record.read_text().splitlines() if line.startswith(kind)]

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                # The dramatiq parent forwards SIGTERM to its worker processes itself.
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


@pytest.fixture
def sender(redis_namespace: str, redis_client: redis.Redis) -> Iterator[Actors]:
    broker = make_broker(load_settings({"REDIS_URL": REDIS_URL}), namespace=redis_namespace,
                         client=redis_client)
    yield declare_actors(broker, client=redis_client, namespace=redis_namespace, timing=TIMING)
    broker.close()


def test_a_run_killed_mid_way_is_redelivered_and_completes_once(
        sender: Actors, redis_namespace: str, tmp_path: Path) -> None:
    workers = Workers(namespace=redis_namespace, record=tmp_path / "record.txt", logs=tmp_path)
    try:
        doomed = workers.start(sleep_s=30)
        message = sender.sync_group.send("grp_4001", "manual")
        wait_until(lambda: len(workers.lines("start")) == 1, timeout_s=30, what="the first run to start")
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        workers.start(sleep_s=0)
        wait_until(lambda: sender.runs.outcome(message.message_id) is not None, timeout_s=60,
                   what="the redelivered run to finish")
    finally:
        workers.stop_all()
    outcome = sender.runs.outcome(message.message_id)
    assert outcome is not None and outcome["status"] == "finished"
    assert len(workers.lines("start")) == 2
    (done,) = workers.lines("done")
    assert done.split()[2] != workers.lines("start")[0].split()[2]
