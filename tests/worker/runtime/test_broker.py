from __future__ import annotations

import io
import json

import dramatiq
import fakeredis
import pytest
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from config.broker import broker_redis, make_broker
from config.log_context import LogContext
from config.logging import configure_logging, get_logger
from config.queue_polling import QueuePolling
from config.settings import load_settings
from tests.conftest import REDIS_URL
from tests.worker.runtime.conftest import FAST_TIMING, Recorder
from worker.runtime import jobs
from worker.runtime.actors import Actors, declare_actors
from worker.runtime.processes import enqueue_sync

STACK = [LogContext, QueuePolling, AgeLimit, TimeLimit, ShutdownNotifications, Callbacks, Pipelines,
         Retries, CurrentMessage]


def test_without_redis_url_the_broker_is_in_process_and_global() -> None:
    broker = make_broker(load_settings({}))
    assert isinstance(broker, StubBroker)
    assert dramatiq.get_broker() is broker
    assert [type(m) for m in broker.middleware] == STACK


def test_with_redis_url_the_broker_is_redis_under_the_namespace(redis_namespace: str) -> None:
    broker = make_broker(load_settings({"REDIS_URL": REDIS_URL}), namespace=redis_namespace)
    assert isinstance(broker, RedisBroker)
    assert broker.namespace == redis_namespace
    assert [type(m) for m in broker.middleware] == STACK
    retries = next(m for m in broker.middleware if isinstance(m, Retries))
    assert retries.max_retries == 5 and retries.max_backoff <= 10 * 60_000
    broker.close()


def test_a_worker_on_the_broker_polls_its_queue_as_set_and_holds_four_messages_a_thread(
        redis_namespace: str) -> None:
    broker = make_broker(load_settings({"REDIS_URL": REDIS_URL, "WORKER_POLL_MS": "150"}),
                         namespace=redis_namespace)
    declare_actors(broker, client=broker_redis(broker, load_settings({"REDIS_URL": REDIS_URL})),
                   namespace=redis_namespace, timing=FAST_TIMING)
    worker = dramatiq.Worker(broker, worker_threads=3)
    worker.start()
    try:
        consumers = list(worker.consumers.values())
        assert consumers and {consumer.worker_timeout for consumer in consumers} == {150}
        assert worker.queue_prefetch == 12
        queues = [consumer for consumer in consumers if not consumer.queue_name.endswith(".DQ")]
        assert {consumer.prefetch for consumer in queues} == {12}
    finally:
        worker.stop()
        broker.close()


def test_a_message_through_redis_runs_the_seam_and_reports_its_outcome(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    outcome = enqueue_sync("grp_1001", trigger="manual", wait_s=20, actors=worker_actors)
    assert outcome is not None
    assert outcome["status"] == "finished"
    assert outcome["summary"] == {"group_id": "grp_1001", "trigger": "manual", "plans_updated": 0}
    assert recorder.count("end", "grp_1001") == 1


def test_a_failing_run_reports_failed_with_the_error(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(fail_times=5)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    outcome = enqueue_sync("grp_1002", wait_s=20, actors=worker_actors)
    assert outcome is not None
    assert outcome["status"] == "failed"
    assert "seam failed for grp_1002" in outcome["error"]


def test_log_lines_of_a_message_carry_message_id_actor_and_the_group(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    recorder = Recorder()

    def logging_seam(*, group_id: str, trigger: str, plan_refs: object = None, fence: object = None,
                     agency_id: int = 0) -> dict:
        get_logger().info("sync.started")
        return recorder.sync_and_summarize(group_id=group_id, trigger=trigger)

    monkeypatch.setattr(jobs, "sync_and_summarize", logging_seam)
    outcome = enqueue_sync("grp_1003", wait_s=20, actors=worker_actors)
    assert outcome is not None
    message_id = outcome["message_id"]
    worker_actors.sync_group.broker.join("syncs", timeout=10_000)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines
            if line.get("message_id") == message_id and line["event"] != "worker.sync.enqueued"]
    events = [line["event"] for line in mine]
    assert events[0] == "worker.message.started"
    assert "worker.lease.acquired" in events and "worker.lease.released" in events
    assert all(line["actor"] == "sync_group" for line in mine)
    acquired = next(line for line in mine if line["event"] == "worker.lease.acquired")
    assert acquired["group_id"] == "grp_1003" and acquired["trigger"] == "manual"
    seam_line = next(line for line in mine if line["event"] == "sync.started")
    assert seam_line["group_id"] == "grp_1003" and seam_line["trigger"] == "manual"
    assert events[-1] == "worker.message.finished"


def test_the_context_is_cleared_when_a_message_ends() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    broker = make_broker(load_settings({}))
    message = dramatiq.Message(queue_name="syncs", actor_name="sync_group", args=(), kwargs={}, options={})
    middleware = LogContext()
    middleware.before_process_message(broker, message)
    structlog.contextvars.bind_contextvars(run_id="run-1")
    get_logger().info("sync.started")
    middleware.after_process_message(broker, message, exception=RuntimeError("boom"))
    get_logger().info("sync.started")
    started, inside, failed, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert started["event"] == "worker.message.started" and started["actor"] == "sync_group"
    assert inside["message_id"] == message.message_id and inside["run_id"] == "run-1"
    assert failed["event"] == "worker.message.failed" and failed["error"] == "RuntimeError: boom"
    assert "message_id" not in after and "run_id" not in after and "actor" not in after


def test_enqueue_sync_refuses_an_empty_group_id(worker_actors: Actors) -> None:
    with pytest.raises(ValueError, match="group id is empty"):
        enqueue_sync("  ", actors=worker_actors)


def test_embedded_mode_runs_the_same_actors_in_process_on_fakeredis(
        redis_namespace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings({})
    broker = make_broker(settings)
    client = broker_redis(broker, settings)
    assert isinstance(client, fakeredis.FakeRedis)
    actors = declare_actors(broker, client=client, namespace=redis_namespace, timing=FAST_TIMING)
    recorder = Recorder()
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    outcome = enqueue_sync("grp_1004", trigger="manual", wait_s=10, actors=actors)
    assert outcome is not None and outcome["status"] == "finished"
    assert recorder.count("end", "grp_1004") == 1
