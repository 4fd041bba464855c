"""A run with no message of its own (`plansync sync --here`) takes the same leased path as the actor."""

from __future__ import annotations

import io
import json
from typing import Any

import fakeredis
import pytest
import redis

from config.logging import configure_logging
from tests.worker.runtime.conftest import Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import Actors
from worker.runtime.coalesce import GroupRuns
from worker.runtime.group_run import GroupBusy, WorkerTiming, run_group


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


class Sent:
    """An actor that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send_with_options(self, **options: Any) -> None:
        self.messages.append(options)


@pytest.fixture(params=["real", "fake"])
def client(request: pytest.FixtureRequest, redis_client: redis.Redis) -> redis.Redis:
    return redis_client if request.param == "real" else fakeredis.FakeRedis()


def _run(runs: GroupRuns, sync: Any, *, message_id: str, actor: Sent | None = None) -> Any:
    return run_group(runs, actor or Sent(), sync, group_id="grp_7001", trigger="feed",  # type: ignore[arg-type]
                     timing=WorkerTiming(), message_id=message_id)


def test_a_triggered_run_asks_redis_once_to_start_and_once_to_end(
        redis_client: redis.Redis, redis_namespace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = GroupRuns(redis_client, namespace=redis_namespace)
    redis_client.ping()  # connected before counting: a new connection's handshake is no run's
    trips: list[Any] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self: redis.connection.AbstractConnection, *args: Any, **kwargs: Any) -> None:
        trips.append(args)
        send(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    assert _run(runs, lambda fence: "synced", message_id="m-1") == "synced"
    assert len(trips) == 2
    monkeypatch.undo()
    assert runs.outcome("m-1") == {"group_id": "grp_7001", "trigger": "feed", "message_id": "m-1",
                                   "status": "finished", "summary": "synced"}
    assert runs.lease("grp_7001", ttl_ms=1_000).remaining_ms() == 0


def test_a_message_whose_run_failed_runs_again_and_one_whose_run_finished_does_not(
        client: redis.Redis, redis_namespace: str) -> None:
    runs = GroupRuns(client, namespace=redis_namespace)

    def refused(fence: object) -> None:
        raise RuntimeError("BenefitPoint refused the login")

    with pytest.raises(RuntimeError):
        _run(runs, refused, message_id="m-2")
    assert runs.outcome("m-2")["status"] == "failed"
    # A trigger finds the group busy before the failed message comes back: the retry covers it too.
    holder = runs.lease("grp_7001", ttl_ms=10_000)
    assert holder.acquire()
    actor = Sent()
    assert _run(runs, lambda fence: "never", message_id="m-6", actor=actor) is None
    assert holder.release()
    assert _run(runs, lambda fence: "synced", message_id="m-2", actor=actor) == "synced"
    assert runs.outcome("m-2")["status"] == "finished"
    assert runs.outcome("m-6") == runs.outcome("m-2") and runs.pending_token("grp_7001") is None
    assert len(actor.messages) == 1, actor.messages  # the recheck only: no follow-up run
    ran: list[object] = []
    assert _run(runs, ran.append, message_id="m-2") is None and ran == []


def test_a_trigger_that_found_the_group_busy_is_covered_by_the_next_run_and_answered_with_it(
        client: redis.Redis, redis_namespace: str) -> None:
    runs = GroupRuns(client, namespace=redis_namespace)
    holder = runs.lease("grp_7001", ttl_ms=10_000)
    assert holder.acquire()
    actor = Sent()
    assert _run(runs, lambda fence: "never", message_id="m-3", actor=actor) is None
    [recheck] = actor.messages
    assert recheck["args"][:2] == ("grp_7001", "coalesced") and 0 < recheck["delay"] <= 11_000
    assert holder.release()
    assert _run(runs, lambda fence: "synced", message_id="m-4", actor=actor) == "synced"
    assert runs.outcome("m-3") == runs.outcome("m-4") != None  # noqa: E711
    assert runs.outcome("m-3")["message_id"] == "m-4" and runs.pending_token("grp_7001") is None
    # The recheck finds its trigger answered: it runs nothing.
    assert run_group(runs, actor, lambda fence: "again", group_id="grp_7001", trigger="coalesced",  # type: ignore[arg-type]
                     timing=WorkerTiming(), message_id="m-5", pending_token=recheck["args"][2]) is None
