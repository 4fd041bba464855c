"""The sandbox launcher and `plansync sandbox`: three live servers, their settings, bad options."""

from __future__ import annotations

import httpx
import pytest
import typer
from typer.testing import CliRunner

from connectors.sandbox.launcher import FAULT_SHARES, fault_settings, start_sandboxes
from worker.cli import sandbox as sandbox_command


def test_the_three_sandboxes_serve_and_stop() -> None:
    with start_sandboxes(seed=3, rate_limit=False) as sandboxes:
        env = sandboxes.environment()
        groups = httpx.get(f"{sandboxes.perfectquote_url}/groups",
                           headers={"Authorization": f"Bearer {env['PERFECTQUOTE_TOKEN']}"})
        assert groups.status_code == 200 and len(groups.json()["data"]) == 12
        assert sandboxes.perfectquote_url.endswith("/api/v1")
        for url in (sandboxes.benefitpoint_url, sandboxes.exchange_url):
            assert httpx.get(f"{url}/_sandbox/faults").json()["error_rate"] == 0
        assert sandboxes.perfectquote_app.state.limiter is None
        assert env["CARRIER_EXCHANGE_URL"] == sandboxes.exchange_url
        assert {"BENEFITPOINT_USERNAME", "BENEFITPOINT_PASSWORD", "CARRIER_EXCHANGE_API_KEY"} <= set(env)
        urls = [sandboxes.perfectquote_url, sandboxes.benefitpoint_url, sandboxes.exchange_url]
    for url in urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=1.0)


def test_the_fault_rate_is_spread_over_the_kinds_of_fault() -> None:
    settings = fault_settings(latency_ms=5, fault_rate=0.5)
    assert settings.latency_ms == 5
    assert sum(getattr(settings, name) for name in FAULT_SHARES) == pytest.approx(0.5)
    with start_sandboxes(fault_rate=0.2, latency_ms=1) as sandboxes:
        for app in (sandboxes.perfectquote_app, sandboxes.benefitpoint_app, sandboxes.exchange_app):
            assert app.state.faults.settings.error_rate == pytest.approx(0.2 * FAULT_SHARES["error_rate"])
        assert sandboxes.perfectquote_app.state.limiter is not None


@pytest.mark.parametrize(("options", "problem"), [
    ({"latency_ms": -1}, "latency_ms"), ({"fault_rate": 1.5}, "fault_rate"),
    ({"fault_rate": -0.1}, "fault_rate"),
])
def test_bad_launcher_arguments_name_the_argument(options: dict[str, float], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        fault_settings(**options)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("sandbox")(sandbox_command.sandbox)
    app.command("noop")(lambda: None)
    return app


@pytest.mark.parametrize(("args", "option"), [
    (["--latency-ms", "-5"], "--latency-ms"), (["--fault-rate", "1.5"], "--fault-rate"),
    (["--perfectquote-port", "70000"], "--perfectquote-port"), (["--seed", "x"], "--seed"),
])
def test_the_cli_refuses_bad_options_by_name(args: list[str], option: str) -> None:
    result = CliRunner().invoke(_cli(), ["sandbox", *args])
    assert result.exit_code == 2 and option in result.output


def test_the_cli_prints_urls_and_export_lines() -> None:
    with start_sandboxes(rate_limit=False) as sandboxes:
        text = sandbox_command.describe(sandboxes)
    assert f"export PERFECTQUOTE_URL={sandboxes.perfectquote_url}" in text
    assert "export PERFECTQUOTE_TOKEN=sandbox-token" in text
    assert "export CARRIER_EXCHANGE_API_KEY=sandbox-key" in text
    assert sandboxes.benefitpoint_url in text
