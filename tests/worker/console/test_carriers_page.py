"""In the browser: configure a carrier integration, edit its group number, resolve a message, diagnose."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from playwright.sync_api import Page, expect

from carriers.schedule import next_sync_after
from carriers.storage import repository as carrier_repo
from tests.worker.console.conftest import Console, sign_in
from tests.worker.service.world import World
from worker.service.carrier_jobs import run_carrier_cycle


def carrier_cycle(world: World) -> None:
    """The clock's carrier check, as the worker runs it."""
    context = world.context
    run_carrier_cycle(context.sessions, context.exchange, context.perfectquote, now=datetime.now(UTC))


def advance_exchange(world: World, seconds: float) -> datetime:
    answer = httpx.post(f"{world.sandboxes.exchange_url}/_sandbox/advance", json={"seconds": seconds})
    answer.raise_for_status()
    return datetime.fromisoformat(answer.json()["now"])


def to_active_with_messages(world: World, integration_id: int) -> None:
    """Pending -> Active, the enrollment transmitted, then the carrier's next sync window: its messages."""
    carrier_cycle(world)
    advance_exchange(world, 6)
    carrier_cycle(world)
    with world.context.sessions() as session:
        integration = carrier_repo.get_integration(session, integration_id)
    assert integration.schedule is not None, integration
    now = advance_exchange(world, 0)
    advance_exchange(world, (next_sync_after(integration.schedule, now) - now).total_seconds() + 60)
    carrier_cycle(world)


def test_configure_edit_the_group_number_resolve_a_message_and_diagnose(page: Page, console: Console) -> None:
    world = console.world
    world.connect()
    sign_in(page, console, path="/carriers")

    form = page.locator("#configure-form")
    form.get_by_label("Group", exact=True).fill("grp_001")
    form.locator("select[name=carrier]").select_option(label="Aetna")
    form.get_by_label("Group number").fill("0123456-0")
    form.get_by_label("Plan").fill("Aetna Choice POS II")
    form.get_by_label("Type").fill("medical")
    form.get_by_role("button", name="Configure").click()
    expect(page.locator(".flash.ok")).to_contain_text("with Aetna configured: Pending")
    row = page.locator("#integrations tbody tr").first
    expect(row.locator("td.status")).to_have_text("Pending")
    integration_id = int(row.locator("td").first.inner_text())

    # The blue group number: corrected in place, and sent to the exchange.
    row.get_by_label(f"group number of integration {integration_id}").fill("0123456-00")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".flash.ok")).to_contain_text("group number set to 0123456-00")
    periods = world.sandboxes.exchange_app.state.store.periods
    assert [p.carrier_group_number for p in periods.values()] == ["0123456-00"]

    to_active_with_messages(world, integration_id)
    page.reload()
    row = page.locator(f"#integration-{integration_id}")
    expect(row.locator("td.status")).to_contain_text("Active since")
    expect(row).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"))  # Last Sync and the next window

    # Manage: the carrier's Failures, one resolved with its correction.
    failures = page.locator("#messages tbody tr").filter(has_text="ssn_mismatch")
    expect(failures.first).to_contain_text("Failure")
    count = failures.count()
    assert count >= 2
    first = failures.first
    message_id = int(first.locator("td").first.inner_text())
    first.get_by_label(f"resolution of message {message_id}").fill("Corrected SSN from the enrollment form")
    first.get_by_label(f"corrections of message {message_id}").fill("ssn=123-45-6789")
    first.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash.ok")).to_contain_text(
        f"Message {message_id} resolved: resolution pending carrier sync"
    )
    expect(page.locator(f"#message-{message_id} .message-status")).to_contain_text("resolved")
    corrections = world.sandboxes.exchange_app.state.store.corrections
    assert [c["changes"] for c in corrections] == [{"ssn": "123-45-6789"}]
    # Personal data never reaches the page: the correction's SSN is masked in the flash message too.
    assert "123-45-6789" not in page.content()

    # Diagnose, in the help center's words.
    page.get_by_label("Severity").select_option("Failure")
    page.get_by_label("Open only").check()
    page.locator("#manage").get_by_role("button", name="Filter").click()
    expect(page.locator("#messages tbody tr")).to_have_count(count - 1)
    page.locator(f"#integration-{integration_id}").get_by_role("link", name="Why isn't it syncing?").click()
    expect(page.locator("h1")).to_have_text("Why isn't Aetna syncing?")
    expect(page.locator("#findings")).to_contain_text(f"{count - 1} open Failure message(s) block updates")
    expect(page.locator("#findings")).to_contain_text("resolve these critical issues promptly")

    # Disabled, then toggled back On with the group number re-entered: Pending again.
    page.get_by_role("link", name="Back to Carriers").click()
    page.locator(f"#integration-{integration_id}").get_by_role("button", name="Disable").click()
    expect(page.locator(".flash.ok")).to_contain_text("Resume manual eligibility communication")
    row = page.locator(f"#integration-{integration_id}")
    expect(row.locator("td.status")).to_contain_text("Disabled")
    row.get_by_label(f"group number to turn integration {integration_id} back on").fill("0123456-00")
    row.get_by_role("button", name="Turn back On").click()
    expect(page.locator(f"#integration-{integration_id} td.status")).to_have_text("Pending")
