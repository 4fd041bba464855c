"""Requests per second a sandbox serves over loopback: a bounded run that prints the figure.

    .venv/bin/python bench/sandbox_throughput.py --system perfectquote --requests 2000 --clients 4
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from starlette.types import ASGIApp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.sandbox.server import ServerThread

SOAP_NS = ('xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
           'xmlns:bc="http://ws.benefitpoint.com/aptusconnect/broker/v4"')
SOAP_ACTION = "http://ws.benefitpoint.com/aptusconnect/broker/v4/"


def _envelope(body: str, session: str | None = None) -> str:
    header = (f"<soapenv:Header><bc:SessionIdHeader><sessionId>{session}</sessionId>"
              f"</bc:SessionIdHeader></soapenv:Header>") if session else ""
    return f"<soapenv:Envelope {SOAP_NS}>{header}<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"


def perfectquote_call(url: str) -> Callable[[httpx.Client], int]:
    from connectors.sandbox.perfectquote.app import TOKEN

    def call(client: httpx.Client) -> int:
        return client.get(f"{url}/api/v1/groups/grp_001/plans",
                          headers={"Authorization": f"Bearer {TOKEN}"}).status_code

    return call


def benefitpoint_call(url: str) -> Callable[[httpx.Client], int]:
    login = httpx.post(f"{url}/aptusConnect/services/LoginV2SOAP",
                       content=_envelope("<bc:login><username>sandbox</username>"
                                         "<password>sandbox</password></bc:login>"),
                       headers={"Content-Type": "text/xml; charset=utf-8",
                                "SOAPAction": SOAP_ACTION + "login"})
    session = re.search(r"<(?:\w+:)?sessionID>([^<]+)<", login.text)
    if session is None:
        raise SystemExit(f"BenefitPoint login failed: HTTP {login.status_code}")
    body = _envelope("<bc:findProducts><criteria><accountID>48201</accountID></criteria></bc:findProducts>",
                     session.group(1))

    def call(client: httpx.Client) -> int:
        return client.post(f"{url}/aptusConnect/services/BrokerConnectV4SOAP", content=body,
                           headers={"Content-Type": "text/xml; charset=utf-8",
                                    "SOAPAction": SOAP_ACTION + "findProducts"}).status_code

    return call


def _app(system: str) -> ASGIApp:
    if system == "perfectquote":
        from connectors.sandbox.perfectquote.app import create_app
        return create_app(rate_limit_per_s=None)
    from connectors.sandbox.benefitpoint.app import create_app as benefitpoint_app
    return benefitpoint_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", choices=("perfectquote", "benefitpoint"), default="perfectquote")
    parser.add_argument("--requests", type=int, default=2000, help="total requests (bounded run)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    args = parser.parse_args()
    if args.requests < 1 or args.clients < 1:
        parser.error("--requests and --clients must be at least 1")
    with ServerThread(_app(args.system)) as server:
        call = (perfectquote_call if args.system == "perfectquote" else benefitpoint_call)(server.url)
        base, extra = divmod(args.requests, args.clients)
        share = [base + (index < extra) for index in range(args.clients)]

        def run(count: int) -> list[float]:
            latencies_ms = []
            with httpx.Client(timeout=10.0) as client:
                for _ in range(count):
                    started = time.perf_counter()
                    status = call(client)
                    latencies_ms.append((time.perf_counter() - started) * 1000)
                    if status != 200:
                        raise SystemExit(f"unexpected HTTP {status}")
            return latencies_ms

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies_ms = [ms for part in pool.map(run, share) for ms in part]
        elapsed_s = time.perf_counter() - started
    cuts = statistics.quantiles(latencies_ms, n=100)
    print(f"{args.system}: {len(latencies_ms)} requests, {args.clients} clients, {elapsed_s:.2f} s, "
          f"{len(latencies_ms) / elapsed_s:.0f} requests/s, p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms")


if __name__ == "__main__":
    main()
