"""The carrier half of the story: Pending to Active, a transmission, a carrier message resolved."""

from __future__ import annotations

from datetime import UTC, datetime

from carriers.enrollment import TransmissionState
from carriers.messages import MessageFlag, Severity
from carriers.schedule import next_sync_after
from carriers.status import Integration, Status
from carriers.storage import repository as carrier_repo
from worker.demo.cast import GROUP_ID, Cast
from worker.demo.people import read_plan
from worker.service import carriers as service

# The exchange sandbox activates a period this long after it is created (its default).
ACTIVATION_DELAY_S = 5
WINDOW_MARGIN_S = 60
CORRECTED_SSN = "123-45-6789"


def _integration(cast: Cast, integration_id: int) -> Integration:
    with cast.world.context.sessions() as session:
        return carrier_repo.get_integration(session, integration_id)


def _carrier_cycle(cast: Cast) -> None:
    """The clock's carrier check (every 15 minutes of story time), run through the worker."""
    cast.say.pause()
    cast.world.clock.advance(hours=0.25)
    cast.say.say("a quarter of an hour later, the clock fires the carrier check")
    cast.world.clock.fire("carrier")
    cast.world.settle()


def _to_next_window(cast: Cast, integration: Integration) -> datetime:
    """Move the exchange's clock just past the carrier's next sync window; returns that window."""
    if integration.schedule is None:
        raise LookupError(f"integration {integration.id} has no carrier schedule yet")
    exchange_now = datetime.fromisoformat(cast.admin.advance_exchange(seconds=0))
    window = next_sync_after(integration.schedule, exchange_now)
    cast.admin.advance_exchange(seconds=(window - exchange_now).total_seconds() + WINDOW_MARGIN_S)
    return window


def pending_to_active(cast: Cast) -> int:
    say, context = cast.say, cast.world.context
    say.chapter("Carrier integration: configure it, watch it go from Pending to Active")
    ppo = read_plan(cast.perfectquote, cast.plans["ppo_pq"])
    integration = service.configure(context.sessions, group_id=GROUP_ID, carrier_code=ppo.carrier,
                                    group_number=ppo.group_number, now=datetime.now(UTC), plan_name=ppo.name,
                                    plan_type=ppo.coverage.value, crosswalk=context.crosswalk)
    integration_id = integration.id or 0
    say.say(f"{integration.carrier_name}, group number {integration.group_number}: "
            f"{integration.status.value}")
    _carrier_cycle(cast)
    status = _integration(cast, integration_id).status.value
    say.say(f"status: {status} (a coverage period now exists at the exchange)")
    cast.admin.advance_exchange(seconds=ACTIVATION_DELAY_S + 1)
    say.say("at the exchange, the carrier accepts the group number")
    _carrier_cycle(cast)
    active = _integration(cast, integration_id)
    say.check(active.status is Status.ACTIVE,
              ok=f"Active since {active.status_since:%Y-%m-%d}; the carrier syncs "
                 f"{active.schedule.describe() if active.schedule else 'on no known schedule'}",
              problem=f"the integration is {active.status.value}, not Active")
    return integration_id


def transmission_and_message(cast: Cast, integration_id: int) -> None:
    say, context = cast.say, cast.world.context
    say.chapter("Enrollment changes go to the carrier on its schedule; the carrier answers")
    with context.sessions() as session:
        sent = [transmission for transmission in carrier_repo.find_transmissions(session, integration_id)
                if transmission.state is TransmissionState.SENT]
    changes = sum(transmission.change_count for transmission in sent)
    say.check(bool(sent), ok=f"transmission sent with {changes} enrollment changes",
              problem="no transmission was sent once the integration was Active")
    window = _to_next_window(cast, _integration(cast, integration_id))
    say.say(f"at the exchange, time passes the carrier's sync window ({window:%a %Y-%m-%d %H:%M} UTC)")
    _carrier_cycle(cast)
    integration = _integration(cast, integration_id)
    say.say(f"Last Sync: {integration.last_synced_at:%Y-%m-%d %H:%M} UTC" if integration.last_synced_at
            else "Last Sync: never")
    failures = [view.message for view in service.list_messages(context.sessions, now=datetime.now(UTC),
                                                                 failures_only=True)]
    for message in failures:
        say.say(f"{message.severity.value}: {message.code} for member {message.member_external_id}: "
                f"{message.text}")
    if not say.check(bool(failures), ok=f"{len(failures)} Failure message(s) received",
                     problem="the carrier sent no Failure message"):
        return
    first = failures[0]
    service.resolve(context.sessions, context.exchange, first.id or 0,
                    text="Corrected SSN from the enrollment form", now=datetime.now(UTC),
                    changes={"ssn": CORRECTED_SSN})
    say.say(f"a user resolves message {first.id} (member {first.member_external_id}); it reaches the carrier "
            "at its next sync")
    _to_next_window(cast, integration)
    _carrier_cycle(cast)
    view = next(v for v in service.list_messages(context.sessions, now=datetime.now(UTC))
                if v.message.id == first.id)
    cleared = not view.message.open and MessageFlag.RESOLUTION_PENDING not in view.flags
    say.check(cleared and view.message.severity is Severity.FAILURE,
              ok=f"message {first.id} is cleared at the carrier's next sync",
              problem=f"message {first.id} is still {'open' if view.message.open else 'pending'}")
    others = sum(1 for message in failures[1:] if message.open)
    if others:
        say.say(f"{others} other Failure(s) wait for someone to correct them (plansync never guesses an SSN)")


def carrier_chapters(cast: Cast) -> None:
    transmission_and_message(cast, pending_to_active(cast))

