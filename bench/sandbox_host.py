"""The sandboxes in a process of their own, seeded with a big world, with a control port for the benches.

    .venv/bin/python bench/sandbox_host.py --groups 50 --plans 10 --latency-ms 20 --ready world.json

Once the world is seeded it writes `--ready` (JSON: the settings that point plansync at the sandboxes,
the control URL, the links, the watermarks that start the feeds after the seeding) and serves until
SIGTERM or SIGINT. The control port answers `GET /names?perfectquote=id,...&benefitpoint=id,...` (each
plan's current name, read from the stores: no call is counted, no latency added) and
`POST /edit-random {"percent": 5, "seed": 0}` (that share of the plans renamed through the stores).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.big_world import BigWorld, seed_world
from bench.feed_cycle import SETUP_HOURS_AGO, edit_plans
from connectors.sandbox.benefitpoint.codec import format_datetime
from connectors.sandbox.launcher import start_sandboxes
from connectors.sandbox.perfectquote import cursors
from connectors.sandbox.server import ServerThread


def _ids(request: Request, name: str) -> list[str]:
    return [plan_id for plan_id in request.query_params.get(name, "").split(",") if plan_id]


def control_app(world: BigWorld) -> Starlette:
    """Reads and edits straight on the stores: cheap enough to poll, and invisible to the call counts."""
    pq, bp = world.stores

    async def names(request: Request) -> Response:
        found: dict[str, dict[str, str | None]] = {"perfectquote": {}, "benefitpoint": {}}
        for plan_id in _ids(request, "perfectquote"):
            plan = pq.plans.get(plan_id)
            found["perfectquote"][plan_id] = None if plan is None else plan["name"]
        with bp.lock:
            for plan_id in _ids(request, "benefitpoint"):
                product = bp.products.get(int(plan_id))
                found["benefitpoint"][plan_id] = None if product is None else product["name"]
        return JSONResponse(found)

    async def edit_random(request: Request) -> Response:
        body = await request.json()
        in_pq, in_bp = edit_plans(world, percent=float(body["percent"]), seed=int(body.get("seed", 0)))
        return JSONResponse({"perfectquote": in_pq, "benefitpoint": in_bp})

    return Starlette(routes=[Route("/names", names, methods=["GET"]),
                             Route("/edit-random", edit_random, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, required=True)
    parser.add_argument("--plans", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--ready", type=Path, required=True, help="where to write the world once seeded")
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with start_sandboxes(rate_limit=False, latency_ms=0) as sandboxes:
        started = time.perf_counter()
        world = seed_world(sandboxes, groups=args.groups, plans=args.plans,
                           shift=timedelta(hours=-SETUP_HOURS_AGO))
        world.clock.shift = timedelta()
        pq, bp = world.stores
        watermarks = {"perfectquote": cursors.encode("changes", len(pq.changes())),
                      "benefitpoint": format_datetime(bp.clock.tick())}
        for app in (sandboxes.perfectquote_app, sandboxes.benefitpoint_app, sandboxes.exchange_app):
            app.state.faults.configure(latency_ms=args.latency_ms)
        with ServerThread(control_app(world)) as control:
            ready = {"environment": sandboxes.environment(), "control_url": control.url,
                     "perfectquote_admin_url": sandboxes.perfectquote_url.removesuffix("/api/v1"),
                     "benefitpoint_admin_url": sandboxes.benefitpoint_url,
                     "watermarks": watermarks, "seed_s": time.perf_counter() - started,
                     "links": [asdict(link) for link in world.links]}
            partial = args.ready.with_suffix(".partial")
            partial.write_text(json.dumps(ready))
            partial.rename(args.ready)
            stop.wait()


if __name__ == "__main__":
    main()
