"""Start the three sandboxes (PerfectQuote, BenefitPoint, carrier exchange) on loopback ports."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import TracebackType

from starlette.applications import Starlette

from connectors.sandbox.faults import FaultSettings
from connectors.sandbox.server import ServerThread

# How a total fault rate is spread over the kinds of fault: mostly the retryable ones.
FAULT_SHARES = {"error_rate": 0.4, "throttle_rate": 0.3, "timeout_rate": 0.15, "malformed_rate": 0.15}
PERFECTQUOTE_TOKEN = "sandbox-token"
BENEFITPOINT_USERNAME = "sandbox"
BENEFITPOINT_PASSWORD = "sandbox"
EXCHANGE_API_KEY = "sandbox-key"


def fault_settings(*, latency_ms: float = 0, fault_rate: float = 0) -> FaultSettings:
    """One total fault rate spread over 5xx, throttling, timeouts and malformed bodies."""
    if latency_ms < 0:
        raise ValueError(f"latency_ms={latency_ms!r} must not be negative")
    if not 0 <= fault_rate <= 1:
        raise ValueError(f"fault_rate={fault_rate!r} must be between 0 and 1")
    return FaultSettings(latency_ms=latency_ms,
                         **{name: fault_rate * share for name, share in FAULT_SHARES.items()})


@dataclass(slots=True, kw_only=True)
class Sandboxes:
    perfectquote_url: str
    benefitpoint_url: str
    exchange_url: str
    perfectquote_app: Starlette
    benefitpoint_app: Starlette
    exchange_app: Starlette
    servers: list[ServerThread] = field(default_factory=list, repr=False)
    credentials: dict[str, str] = field(default_factory=lambda: tenant_credentials(None), repr=False)

    def environment(self) -> dict[str, str]:
        """The settings that point plansync at these sandboxes."""
        return {
            "PERFECTQUOTE_URL": self.perfectquote_url, "BENEFITPOINT_URL": self.benefitpoint_url,
            "CARRIER_EXCHANGE_URL": self.exchange_url, **self.credentials,
        }

    def stop(self) -> None:
        # Side by side: each server waits for its loop's next tick before it stops.
        stopping = [threading.Thread(target=server.stop) for server in self.servers]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        self.servers.clear()

    def __enter__(self) -> Sandboxes:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def tenant_credentials(tenant: str | None) -> dict[str, str]:
    """The credentials the sandboxes of `tenant` accept (None: the shared sandbox ones), as settings."""
    if tenant is None:
        return {"PERFECTQUOTE_TOKEN": PERFECTQUOTE_TOKEN, "BENEFITPOINT_USERNAME": BENEFITPOINT_USERNAME,
                "BENEFITPOINT_PASSWORD": BENEFITPOINT_PASSWORD, "CARRIER_EXCHANGE_API_KEY": EXCHANGE_API_KEY}
    return {"PERFECTQUOTE_TOKEN": f"{tenant}-token", "BENEFITPOINT_USERNAME": tenant,
            "BENEFITPOINT_PASSWORD": f"{tenant}-password", "CARRIER_EXCHANGE_API_KEY": f"{tenant}-key"}


def start_sandboxes(*, host: str = "127.0.0.1", perfectquote_port: int | None = None,
                    benefitpoint_port: int | None = None, exchange_port: int | None = None,
                    seed: int = 0, latency_ms: float = 0, fault_rate: float = 0, fault_seed: int = 0,
                    rate_limit: bool = True, benefitpoint_instance: str = "default",
                    tenant: str | None = None) -> Sandboxes:
    """Serve the three sandboxes in this process; ports left None are picked free.

    `benefitpoint_instance`: `second` serves a BenefitPoint with other ids and descriptions, as a second
    agency's would be. `tenant`: the three accept only that tenant's credentials (`tenant_credentials`),
    so that a call made with another agency's is refused."""
    from connectors.sandbox.benefitpoint.app import create_app as benefitpoint_app
    from connectors.sandbox.exchange.app import create_app as exchange_app
    from connectors.sandbox.perfectquote.app import create_app as perfectquote_app

    def faults() -> FaultSettings:
        return fault_settings(latency_ms=latency_ms, fault_rate=fault_rate)

    credentials = tenant_credentials(tenant)
    apps = (
        perfectquote_app(seed=seed, faults=faults(), fault_seed=fault_seed,
                         rate_limit_per_s=20 if rate_limit else None,
                         token=credentials["PERFECTQUOTE_TOKEN"]),
        benefitpoint_app(seed=seed, faults=faults(), fault_seed=fault_seed, instance=benefitpoint_instance,
                         credentials=(credentials["BENEFITPOINT_USERNAME"],
                                      credentials["BENEFITPOINT_PASSWORD"])),
        exchange_app(seed=seed, faults=faults(), fault_seed=fault_seed,
                     api_key=credentials["CARRIER_EXCHANGE_API_KEY"]),
    )
    servers: list[ServerThread] = []
    try:
        for app, port in zip(apps, (perfectquote_port, benefitpoint_port, exchange_port), strict=True):
            servers.append(ServerThread(app, host=host, port=port).start())
    except BaseException:
        for server in servers:
            server.stop()
        raise
    pq, bp, exchange = servers
    return Sandboxes(perfectquote_url=f"{pq.url}/api/v1", benefitpoint_url=bp.url, exchange_url=exchange.url,
                     perfectquote_app=apps[0], benefitpoint_app=apps[1], exchange_app=apps[2],
                     servers=servers, credentials=credentials)
