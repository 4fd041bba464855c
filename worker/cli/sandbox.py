"""CLI commands: sandbox (serve the PerfectQuote, BenefitPoint and carrier-exchange simulators)."""

from __future__ import annotations

import shlex
import time

import typer

from connectors.sandbox.benefitpoint.instances import INSTANCES
from connectors.sandbox.launcher import FAULT_SHARES, Sandboxes, start_sandboxes

_FAULT_LABELS = {"error_rate": "5xx", "throttle_rate": "throttling (429, 503 for BenefitPoint)",
                 "timeout_rate": "timeouts", "malformed_rate": "malformed bodies"}
_SPREAD = ", ".join(f"{share:.0%} {_FAULT_LABELS[name]}" for name, share in FAULT_SHARES.items())


def describe(sandboxes: Sandboxes) -> str:
    """The URLs and the `export` lines that point plansync at the sandboxes."""
    lines = [f"PerfectQuote (REST):   {sandboxes.perfectquote_url}",
             f"BenefitPoint (SOAP):   {sandboxes.benefitpoint_url}",
             f"Carrier exchange:      {sandboxes.exchange_url}", "",
             "Point plansync at them with:"]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in sandboxes.environment().items()]
    return "\n".join(lines)


def sandbox(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    perfectquote_port: int = typer.Option(8801, min=0, max=65535, help="PerfectQuote port (0: any free)."),
    benefitpoint_port: int = typer.Option(8802, min=0, max=65535, help="BenefitPoint port (0: any free)."),
    exchange_port: int = typer.Option(8803, min=0, max=65535, help="Carrier exchange port (0: any free)."),
    seed: int = typer.Option(0, help="Seed of the demo world (same seed, same plans)."),
    latency_ms: float = typer.Option(0.0, min=0, help="Added latency per request, in milliseconds."),
    fault_rate: float = typer.Option(0.0, min=0, max=1, help=f"Share of requests that fail (0-1), spread "
                                                             f"as {_SPREAD}."),
    fault_seed: int = typer.Option(0, help="Seed of the fault draws, for repeatable runs."),
    no_rate_limit: bool = typer.Option(False, "--no-rate-limit",
                                       help="Switch off PerfectQuote's 20 requests/second limit."),
    benefitpoint_instance: str = typer.Option(
        "default", help=f"Whose BenefitPoint to serve ({', '.join(INSTANCES)}): 'second' has other ids and "
                        "descriptions, as a second agency's instance would, for trying catalogue discovery."),
) -> None:
    """Serve working simulators of PerfectQuote, BenefitPoint and the carrier exchange until Ctrl-C."""
    try:
        sandboxes = start_sandboxes(host=host, perfectquote_port=perfectquote_port or None,
                                    benefitpoint_port=benefitpoint_port or None,
                                    exchange_port=exchange_port or None, seed=seed, latency_ms=latency_ms,
                                    fault_rate=fault_rate, fault_seed=fault_seed,
                                    rate_limit=not no_rate_limit, benefitpoint_instance=benefitpoint_instance)
    except ValueError as error:
        typer.echo(f"plansync sandbox: {error}", err=True)
        raise typer.Exit(2) from None
    except RuntimeError as error:
        typer.echo(f"plansync sandbox: {error} (is the port in use? try another --*-port)", err=True)
        raise typer.Exit(1) from None
    typer.echo(describe(sandboxes))
    typer.echo("\nServing; press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        typer.echo("Stopping the sandboxes.")
    finally:
        sandboxes.stop()
