"""Two agencies in one service: each against its own sandboxes (their own credentials, and BenefitPoint
catalogues that differ), added, discovered, completed, applied, connected with the same PerfectQuote group
id, and syncing at once through two real worker processes on Redis and PostgreSQL, while a third agency's
systems are down."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.broker import make_broker, make_redis
from config.logging import configure_logging
from config.secrets import new_key
from config.settings import load_settings
from connectors.sandbox.benefitpoint.instances import catalog_for
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from tests.conftest import REDIS_URL
from tests.e2e.harness import Workers
from tests.e2e.world import E2E_TIMING, LinkedGroup, connect_and_link, edit_benefit, runs
from tests.worker.cli.test_catalogue_cli import complete
from tests.worker.runtime.conftest import drop_namespace, wait_until
from worker.cli.app import app
from worker.runtime.actors import Actors, declare_actors
from worker.runtime.context import SyncContext, build_context

UNREACHABLE = "http://127.0.0.1:9"
AGENCIES = {"north": "default", "south": "second"}  # agency -> the BenefitPoint catalogue it serves


@pytest.fixture
def tenants() -> Iterator[dict[str, Sandboxes]]:
    with (start_sandboxes(rate_limit=False, tenant="north") as north,
          start_sandboxes(rate_limit=False, tenant="south", benefitpoint_instance="second") as south):
        yield {"north": north, "south": south}


@pytest.fixture
def env(e2e_database: str) -> dict[str, str]:
    """The environment's own systems point nowhere, with credentials no sandbox takes."""
    return {"DATABASE_URL": e2e_database, "REDIS_URL": REDIS_URL, "PLANSYNC_SECRET_KEY": new_key(),
            "PERFECTQUOTE_URL": UNREACHABLE, "BENEFITPOINT_URL": UNREACHABLE,
            "CARRIER_EXCHANGE_URL": UNREACHABLE, "RETRY_MAX_TOTAL_S": "5"}


@pytest.fixture
def sender_on_env(env: dict[str, str], redis_namespace: str) -> Iterator[Actors]:
    """Actors to send with on the Redis namespace the worker processes serve."""
    settings = load_settings(env)
    client = make_redis(settings)
    broker = make_broker(settings, namespace=redis_namespace, client=client)
    yield declare_actors(broker, client=client, namespace=redis_namespace, timing=E2E_TIMING)
    broker.close()
    drop_namespace(client, redis_namespace)
    client.close()


def plansync(env: dict[str, str], *args: str) -> str:
    configure_logging(level="warning", stream=io.StringIO())
    answer = CliRunner().invoke(app, list(args), env=env)
    assert answer.exit_code == 0, f"plansync {' '.join(args)}: {answer.output}"
    return answer.stdout


def add_and_apply(env: dict[str, str], name: str, sandboxes: Sandboxes, tmp_path: Path) -> None:
    """The operator's path: add the agency, discover its catalogue, complete the draft, apply it."""
    secrets = sandboxes.environment()
    plansync(env, "agencies", "add", name, "--perfectquote-url", sandboxes.perfectquote_url,
             "--perfectquote-token", secrets["PERFECTQUOTE_TOKEN"],
             "--benefitpoint-url", sandboxes.benefitpoint_url,
             "--benefitpoint-username", secrets["BENEFITPOINT_USERNAME"],
             "--benefitpoint-password", secrets["BENEFITPOINT_PASSWORD"],
             "--benefitpoint-link-field-id", "9001", "--exchange-url", sandboxes.exchange_url,
             "--exchange-api-key", secrets["CARRIER_EXCHANGE_API_KEY"])
    draft, completed = tmp_path / f"{name}-draft.toml", tmp_path / f"{name}.toml"
    plansync(env, "catalogue", "discover", "--agency", name, "--out", str(draft))
    completed.write_text(complete(draft.read_text(), catalog_for(AGENCIES[name])))
    plansync(env, "catalogue", "apply", "--agency", name, str(completed))


def _benefit(context: SyncContext, group: LinkedGroup, kind: str, side: Side) -> Decimal:
    with context.sessions() as session:
        plan_id = repo.get_link(session, group.link_ids[kind]).plan_ids[side]
    assert plan_id is not None
    remote = (context.perfectquote if side is Side.PERFECTQUOTE else context.benefitpoint).get_plan(plan_id)
    assert remote is not None and remote.plan is not None
    return remote.plan.benefits["copays.primary_care"]


def _edit(context: SyncContext, group: LinkedGroup, side: Side, value: str) -> None:
    with context.sessions() as session:
        plan_id = repo.get_link(session, group.link_ids["ppo"]).plan_ids[side]
    assert plan_id is not None
    system = context.perfectquote if side is Side.PERFECTQUOTE else context.benefitpoint
    edit_benefit(system, plan_id, link_id=group.link_ids["ppo"], path="copays.primary_care",
                 value=Decimal(value))


def test_two_agencies_sync_side_by_side_and_disabling_one_stops_only_its_cycles(
        tenants: dict[str, Sandboxes], env: dict[str, str], sender_on_env: Actors,
        redis_namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():  # the contexts this test reads through open the agencies' secrets
        monkeypatch.setenv(name, value)
    for name, sandboxes in tenants.items():
        add_and_apply(env, name, sandboxes, tmp_path)
    listed = plansync(env, "agencies", "list", "--json")
    assert '"name": "north"' in listed and '"name": "south"' in listed and "default" not in listed
    settings = load_settings(env)
    contexts = {name: build_context(settings, agency_name=name) for name in tenants}
    workers = Workers(namespace=redis_namespace, logs=tmp_path,
                      env={**env, "PLANSYNC_TEST_PRODUCTION_BROKER": "1"})
    try:
        # The same PerfectQuote group id in both agencies: two groups, each with its own links.
        groups = {name: connect_and_link(context, 1) for name, context in contexts.items()}
        assert groups["north"].group_id == groups["south"].group_id
        assert groups["north"].link_ids["ppo"] != groups["south"].link_ids["ppo"]
        for _ in range(2):
            workers.start()
        for name, context in contexts.items():
            sender_on_env.sync_group.send_with_options(args=(groups[name].group_id, "manual"),
                                                       kwargs={"agency_id": context.agency.id})
        for context in contexts.values():
            wait_until(lambda context=context: [outcome for _, _, outcome in runs(context.sessions)]
                       == ["succeeded"], timeout_s=90, what=f"{context.agency.name}'s first run")

        # A third agency whose systems are down: its cycles fail and are retried on their own.
        plansync(env, "agencies", "add", "down", "--perfectquote-url", UNREACHABLE,
                 "--perfectquote-token", "t", "--benefitpoint-url", UNREACHABLE,
                 "--benefitpoint-username", "u", "--benefitpoint-password", "p",
                 "--benefitpoint-link-field-id", "9001", "--exchange-api-key", "k")
        # An edit in each agency, one on each side; the clock's feed cycle fans out to all three agencies.
        _edit(contexts["north"], groups["north"], Side.PERFECTQUOTE, "41")
        _edit(contexts["south"], groups["south"], Side.BENEFITPOINT, "42")
        sender_on_env.feed_cycle.send("2026-12-03T10:00:00+00:00")
        wait_until(lambda: _benefit(contexts["north"], groups["north"], "ppo", Side.BENEFITPOINT)
                   == Decimal("41.00"), timeout_s=90, what="north's edit on its BenefitPoint")
        wait_until(lambda: _benefit(contexts["south"], groups["south"], "ppo", Side.PERFECTQUOTE)
                   == Decimal("42.00"), timeout_s=90, what="south's edit on its PerfectQuote")
        # Neither agency's values reached the other's systems.
        assert _benefit(contexts["south"], groups["south"], "ppo", Side.BENEFITPOINT) == Decimal("42.00")
        assert _benefit(contexts["north"], groups["north"], "ppo", Side.PERFECTQUOTE) == Decimal("41.00")

        # South disabled: its next cycle does not run; north's does.
        plansync(env, "agencies", "disable", "south")
        south_runs = len(runs(contexts["south"].sessions))
        _edit(contexts["north"], groups["north"], Side.BENEFITPOINT, "51")
        _edit(contexts["south"], groups["south"], Side.PERFECTQUOTE, "52")
        sender_on_env.feed_cycle.send("2026-12-03T10:01:00+00:00")
        wait_until(lambda: _benefit(contexts["north"], groups["north"], "ppo", Side.PERFECTQUOTE)
                   == Decimal("51.00"), timeout_s=90, what="north's second edit on its PerfectQuote")
        # North's edit crossed, so the clock's message was fanned out already: south got no message of its
        # own (the down agency's failing cycle is still being retried, on its own).
        assert len(runs(contexts["south"].sessions)) == south_runs
        assert _benefit(contexts["south"], groups["south"], "ppo", Side.BENEFITPOINT) == Decimal("42.00")
        every_run = runs(contexts["north"].sessions) + runs(contexts["south"].sessions)
        assert {outcome for _, _, outcome in every_run} == {"succeeded"}
    finally:
        workers.stop_all()
        for context in contexts.values():
            context.close()
