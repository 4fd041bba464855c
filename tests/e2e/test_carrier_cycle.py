"""The carrier cycle through the real broker and a worker: Pending, then Active, then one transmission."""

from __future__ import annotations

from datetime import UTC, datetime

from carriers.status import Integration, Status
from carriers.storage import repository as carrier_repo
from tests.e2e.conftest import Served, World
from worker.service import carriers as service
from worker.service.accounts import connect

GROUP_ID = "grp_005"
GROUP_NUMBER = "0123456-00"


def _integration(world: World, integration_id: int) -> Integration:
    with world.context.sessions() as session:
        return carrier_repo.get_integration(session, integration_id)


def _carrier_cycle(served: Served, slot: str) -> None:
    served.actors.carrier_cycle.send(slot)
    served.drain()


def test_the_carrier_cycle_activates_the_integration_and_transmits_when_due(
        world: World, served: Served) -> None:
    exchange = world.sandboxes.exchange_app.state.store
    context = world.context
    connect(sessions=context.sessions, perfectquote=context.perfectquote, benefitpoint=context.benefitpoint,
            group_id=GROUP_ID, account_id="48205")
    configured = service.configure(context.sessions, group_id=GROUP_ID, carrier_code="aetna",
                                   group_number=GROUP_NUMBER, now=datetime.now(UTC),
                                   plan_name="Aetna Choice POS II", plan_type="medical")
    assert configured.id is not None

    _carrier_cycle(served, "2026-11-22T10:00:00+00:00")
    pending = _integration(world, configured.id)
    assert pending.status is Status.PENDING and pending.coverage_period_id is not None
    period = exchange.periods[pending.coverage_period_id]
    assert (period.status, period.carrier_group_number) == ("pending", GROUP_NUMBER)
    assert exchange.transmissions == {}

    with exchange.lock:
        exchange.clock.advance(10)
    _carrier_cycle(served, "2026-11-22T10:15:00+00:00")
    active = _integration(world, configured.id)
    assert active.status is Status.ACTIVE and active.status_since == period.activated_at
    assert active.schedule is not None and active.last_transmission_at is not None
    (sent,) = exchange.transmissions.values()
    members = {change["member_external_id"] for change in sent["changes"]}
    assert sent["period_id"] == period.id and sent["status"] == "queued"
    assert members and all(member.startswith("m_48205_") for member in members)

    # The carrier's next window has not come: the next cycle sends nothing more.
    _carrier_cycle(served, "2026-11-22T10:30:00+00:00")
    assert list(exchange.transmissions.values()) == [sent]
    # The carrier's window passes on the exchange: the transmission is delivered, Last Sync is stored.
    with exchange.lock:
        exchange.clock.advance(86_400)
    _carrier_cycle(served, "2026-11-22T10:45:00+00:00")
    assert sent["status"] == "delivered"
    synced = _integration(world, configured.id)
    assert synced.last_synced_at is not None and synced.last_synced_at == period.last_synced_at
    assert synced.status is Status.ACTIVE and len(exchange.transmissions) == 1
