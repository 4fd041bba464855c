"""`plansync catalogue` end to end: a second agency's BenefitPoint discovered, completed, applied, used."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from config.logging import configure_logging
from config.secrets import new_key
from config.settings import load_settings
from connectors.sandbox.benefitpoint.catalog import Catalog
from connectors.sandbox.benefitpoint.instances import catalog_for
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from tests.worker.cli.commands import FAST
from worker.cli.app import app
from worker.runtime.context import SyncContext, build_context

ACCOUNT = str(EMPLOYERS[0].benefitpoint_account_id)
CARRIER = re.compile(r'^#  \{ id = (\d+), (name = .*), code = "" \},$')
ATTRIBUTE = re.compile(r'^#?(\s*)\{ id = (\d+), key = "", (.*)$')
UNCOMMENTED = ("# [[product_type]]", "# id = ", "# description = ", "# attributes = [", "# ]")


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(rate_limit=False, benefitpoint_instance="second") as running:
        yield running


@pytest.fixture(autouse=True)
def quiet_logs() -> Iterator[None]:
    """Log lines aside: a command's stdout is its answer."""
    configure_logging(level="info", stream=io.StringIO())
    yield
    configure_logging(level="info")


@pytest.fixture
def env(sandboxes: Sandboxes, tmp_path: Path) -> dict[str, str]:
    return {**sandboxes.environment(), **FAST, "DATABASE_URL": f"sqlite:///{tmp_path / 'plansync.db'}",
            "PLANSYNC_SECRET_KEY": new_key()}


def plansync(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def acme(sandboxes: Sandboxes, env: dict[str, str]) -> str:
    added = plansync(env, "agencies", "add", "acme", "--perfectquote-url", sandboxes.perfectquote_url,
                     "--perfectquote-token", "sandbox-token",
                     "--benefitpoint-url", sandboxes.benefitpoint_url,
                     "--benefitpoint-username", "sandbox", "--benefitpoint-password", "sandbox",
                     "--benefitpoint-link-field-id", "9001", "--exchange-api-key", "sandbox-key")
    assert added.exit_code == 0, added.output
    return "acme"


def complete(draft: str, catalog: Catalog) -> str:
    """What the operator does: each commented entry uncommented and given what the instance means by it."""
    lines: list[str] = []
    type_id = 0
    for line in draft.splitlines():
        entry = catalog.product_type(type_id)
        if match := CARRIER.match(line):
            carrier = next(c for c in catalog.carriers if c.id == int(match.group(1)))
            line = f'  {{ id = {carrier.id}, {match.group(2)}, code = "{carrier.code}" }},'
        elif line.startswith(UNCOMMENTED):
            line = line.removeprefix("# ")
        elif line.startswith("# coverage = ") and entry:
            line = f'coverage = "{entry.coverage}"'
        elif line.startswith("# plan_type = ") and entry:
            line = f'plan_type = "{entry.plan_type or ""}"'
        elif match := ATTRIBUTE.match(line):
            attribute_id = int(match.group(2))
            key = next(a.key for a in catalog.attributes_of(type_id) if a.attribute_id == attribute_id)
            line = f'{match.group(1)}{{ id = {attribute_id}, key = "{key}", {match.group(3)}'
        if line.startswith("id = "):
            type_id = int(line.split("=")[1])
        lines.append(line)
    return "\n".join(lines)


def _show(env: dict[str, str], *args: str) -> dict[str, object]:
    shown = plansync(env, "catalogue", "show", "--agency", "acme", "--json", *args)
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.stdout)


def _discover_and_apply(env: dict[str, str], draft: Path) -> None:
    assert plansync(env, "catalogue", "discover", "--agency", "acme", "--out", str(draft)).exit_code == 0
    applied = plansync(env, "catalogue", "apply", "--agency", "acme", str(draft))
    assert applied.exit_code == 0, applied.output
    assert "plansync catalogue show --agency acme --unmapped" in applied.stdout


def _worker_context(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> SyncContext:
    """The context a worker builds: the only agency stored, its connectors with its applied catalogue."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    context = build_context(load_settings())
    assert context.agency.name == "acme"
    return context


def test_discover_complete_apply_then_plans_read_and_write_on_the_second_instance(
        sandboxes: Sandboxes, env: dict[str, str], acme: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    draft = tmp_path / "draft.toml"
    discovered = plansync(env, "catalogue", "discover", "--agency", acme, "--out", str(draft))
    assert discovered.exit_code == 0, discovered.output
    assert "3 unmapped" in discovered.stdout
    assert f"plansync catalogue apply --agency acme {draft}" in discovered.stdout
    catalog = catalog_for("second")
    completed = tmp_path / "completed.toml"
    completed.write_text(complete(draft.read_text(), catalog))
    applied = plansync(env, "catalogue", "apply", "--agency", acme, str(completed))
    assert applied.exit_code == 0, applied.output
    assert _show(env, "--unmapped")["unmapped"] == {"product_types": [], "carriers": [], "attributes": []}

    context = _worker_context(env, monkeypatch)
    connector = context.benefitpoint
    expected = [s.benefitpoint for s in seed_plans(EMPLOYERS[0]) if s.benefitpoint is not None]
    plans = connector.list_plans(ACCOUNT)
    assert [p.problem for p in plans] == [None] * len(expected)
    assert sorted((p.plan for p in plans), key=lambda p: p.name) == sorted(expected, key=lambda p: p.name)

    ppo = next(s.perfectquote for s in seed_plans(EMPLOYERS[0]) if s.key == "ppo")
    assert ppo is not None and ppo.benefits and ppo.rates
    created = connector.create_plan(ACCOUNT, ppo, link_id="lnk-ppo")
    assert created.plan == ppo
    store = sandboxes.benefitpoint_app.state.store
    product = store.products[int(created.id)]
    assert product["productTypeID"] == 5101
    assert product["carrierID"] == next(c.id for c in catalog.carriers if c.code == ppo.carrier.upper())
    summary = next(s for s in store.summaries.values() if s["productID"] == int(created.id))
    written = {v["attributeID"] for v in summary["attributeValues"]}
    assert written <= {a.attribute_id for a in catalog.attributes_of(5101)}
    assert 61001 in written  # "Deductible (Individual)": completed by the operator

    wanted = ppo.with_changes(benefits={**ppo.benefits, "deductible.individual": Decimal("2750")})
    assert connector.update_plan(created, wanted, link_id="lnk-ppo").plan == wanted
    again = connector.get_plan(created.id)
    assert again is not None and again.plan == wanted
    context.close()


def test_the_draft_as_discovered_applies_and_show_lists_what_it_left_out(
        env: dict[str, str], acme: str, tmp_path: Path) -> None:
    _discover_and_apply(env, tmp_path / "draft.toml")
    unmapped = _show(env, "--unmapped")["unmapped"]
    assert isinstance(unmapped, dict)
    assert {"id": 5101, "description": "Medical PPO"} in unmapped["product_types"]
    assert {"id": 7999, "description": "Humana"} in unmapped["carriers"]
    text = plansync(env, "catalogue", "show", "--agency", acme, "--unmapped").stdout
    assert "product type 5101: Medical PPO" in text and "carrier 7102: Anthem Blue Cross" in text
    assert "carrier 7101" not in text


def _refused(answer: Result, *words: str) -> None:
    lines = answer.output.strip().splitlines()
    assert answer.exit_code == 2 and len(lines) == 1, answer.output
    assert lines[0].startswith("plansync catalogue: ")
    for word in words:
        assert word in lines[0]


def test_a_bad_file_is_one_line_naming_the_entry_and_stores_nothing(
        env: dict[str, str], acme: str, tmp_path: Path) -> None:
    draft = tmp_path / "draft.toml"
    _discover_and_apply(env, draft)
    before = _show(env)
    bad = tmp_path / "bad.toml"
    bad.write_text(draft.read_text().replace('code = "CIGNA"', 'code = ""'))
    _refused(plansync(env, "catalogue", "apply", "--agency", acme, str(bad)),
             "carrier 7103 (cigna) has no PerfectQuote code", "nothing was stored")
    assert _show(env) == before


def test_operator_mistakes_are_one_line_and_exit_2(env: dict[str, str], acme: str, tmp_path: Path) -> None:
    draft = tmp_path / "draft.toml"
    draft.write_text("kept")
    _refused(plansync(env, "catalogue", "discover", "--agency", acme, "--out", str(draft)), "exists")
    assert draft.read_text() == "kept"
    _refused(plansync(env, "catalogue", "apply", "--agency", acme, str(tmp_path / "none.toml")),
             "does not exist")
    _refused(plansync(env, "catalogue", "show", "--agency", "nope"), "nope", "acme")
    _refused(plansync(env, "catalogue", "apply", "--agency", "default", str(draft)), "is not valid TOML",
             "nothing was stored")


def test_the_default_agency_shows_the_shipped_tables_and_discovers(env: dict[str, str]) -> None:
    shown = plansync(env, "catalogue", "show", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert (data["agency"], data["source"]) == ("default", "shipped")
    assert {"id": 101, "name": "Aetna", "code": "AETNA"} in data["carriers"]
    drafted = plansync(env, "catalogue", "discover", "--out", "-")
    assert drafted.exit_code == 0, drafted.output
    assert "\nid = 5102" in drafted.stdout and "\n# id = 5101" in drafted.stdout
