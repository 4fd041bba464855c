from __future__ import annotations

import io
import json

import pytest

from config.logging import configure_logging
from tests.worker.runtime.conftest import Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import Actors
from worker.runtime.processes import enqueue_sync


def _events(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _runs(recorder: Recorder, group_id: str) -> list[tuple[float, float]]:
    starts = [t for kind, g, t in recorder.events if kind == "start" and g == group_id]
    ends = [t for kind, g, t in recorder.events if kind == "end" and g == group_id]
    return list(zip(starts, ends, strict=True))


def test_triggers_during_a_run_fold_into_one_follow_up_never_overlapping(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    recorder = Recorder(sleep_s=0.8)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    first = worker_actors.sync_group.send("grp_2001", "feed")
    wait_until(lambda: recorder.count("start") == 1, what="the first run to start")
    second = worker_actors.sync_group.send("grp_2001", "manual")
    third = worker_actors.sync_group.send("grp_2001", "manual")
    wait_until(lambda: recorder.count("end") == 2, what="the follow-up run to end")
    # The recheck chain started by the first coalesced trigger must find nothing left to do.
    wait_until(lambda: any(e["event"] == "worker.trigger.satisfied" for e in _events(stream)),
               what="the recheck to find the trigger satisfied")
    runs = _runs(recorder, "grp_2001")
    assert len(runs) == 2
    assert runs[0][1] <= runs[1][0]
    outcomes = [worker_actors.runs.outcome(m.message_id) for m in (first, second, third)]
    assert [o["status"] for o in outcomes if o] == ["finished"] * 3
    assert outcomes[1]["message_id"] == outcomes[2]["message_id"] != first.message_id
    assert outcomes[1]["trigger"] == "coalesced"
    coalesced = [e for e in _events(stream) if e["event"] == "worker.trigger.coalesced"]
    assert len(coalesced) == 2 and {e["group_id"] for e in coalesced} == {"grp_2001"}


def test_different_groups_run_side_by_side(worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(sleep_s=0.5)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    for group_id in ("grp_a", "grp_b", "grp_c"):
        worker_actors.sync_group.send(group_id, "feed")
    wait_until(lambda: recorder.count("end") == 3, what="three runs")
    starts = sorted(t for kind, _, t in recorder.events if kind == "start")
    first_end = min(t for kind, _, t in recorder.events if kind == "end")
    assert starts[-1] < first_end


def test_a_trigger_for_a_group_whose_owner_died_runs_once_the_lease_expires(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    dead_owner = worker_actors.runs.lease("grp_2002", ttl_ms=800)
    assert dead_owner.acquire()
    outcome = enqueue_sync("grp_2002", wait_s=20, actors=worker_actors)
    assert outcome is not None and outcome["status"] == "finished"
    assert outcome["trigger"] == "coalesced"
    assert recorder.count("end", "grp_2002") == 1


def test_a_redelivered_message_whose_run_finished_does_not_run_again(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    recorder = Recorder()
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    message = worker_actors.sync_group.send("grp_2003", "manual")
    wait_until(lambda: worker_actors.runs.outcome(message.message_id) is not None, what="the run")
    worker_actors.sync_group.broker.enqueue(message)
    wait_until(lambda: any(e["event"] == "worker.message.duplicate" for e in _events(stream)),
               what="the redelivery to be recognised")
    assert recorder.count("start", "grp_2003") == 1
