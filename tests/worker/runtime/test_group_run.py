"""A run with no message of its own (`plansync sync --here`) takes the same leased path as the actor."""

from __future__ import annotations

import io
import json

import pytest

from config.logging import configure_logging
from tests.worker.runtime.conftest import Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import Actors
from worker.runtime.group_run import GroupBusy, run_group


def test_a_run_here_finding_the_group_busy_raises_and_leaves_no_trigger(worker_actors: Actors) -> None:
    holder = worker_actors.runs.lease("grp_5001", ttl_ms=10_000)
    assert holder.acquire()
    ran: list[str] = []
    with pytest.raises(GroupBusy, match="grp_5001") as busy:
        run_group(worker_actors.runs, worker_actors.sync_group, lambda fence: ran.append("ran"),
                  group_id="grp_5001", trigger="manual", timing=worker_actors.timing)
    assert ran == [] and busy.value.remaining_ms > 0
    assert worker_actors.runs.pending_token("grp_5001") is None
    assert holder.release()


def test_a_run_here_holds_the_lease_and_answers_triggers_with_one_follow_up(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    recorder = Recorder()
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    triggers = []

    def coalesced() -> int:
        events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
        return events.count("worker.trigger.coalesced")

    def run_here(fence: object) -> str:
        # Two triggers arrive while this run holds the lease: both wait for the one follow-up.
        for _ in range(2):
            triggers.append(worker_actors.sync_group.send("grp_5002", "manual"))
        wait_until(lambda: coalesced() == 2, what="both triggers to find the group busy")
        assert recorder.count("start") == 0
        return "report"

    result = run_group(worker_actors.runs, worker_actors.sync_group, run_here, group_id="grp_5002",
                       trigger="manual", timing=worker_actors.timing)
    assert result == "report"
    wait_until(lambda: all(worker_actors.runs.outcome(m.message_id) for m in triggers), what="the follow-up")
    outcomes = [worker_actors.runs.outcome(m.message_id) for m in triggers]
    assert [(o["status"], o["trigger"]) for o in outcomes] == [("finished", "coalesced")] * 2
    assert outcomes[0]["message_id"] == outcomes[1]["message_id"]
    assert recorder.count("end", "grp_5002") == 1
    lease = worker_actors.runs.lease("grp_5002", ttl_ms=1_000)
    assert lease.remaining_ms() == 0
