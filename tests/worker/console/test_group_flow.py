"""In the browser: connect a group, choose its plans, preview, Sync now, see the change; settle a conflict."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from reconciliation.side import Side
from tests.worker.console.conftest import Console, sign_in

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def test_connect_choose_preview_sync_and_see_the_change(page: Page, console: Console) -> None:
    world = console.world
    sign_in(page, console)
    expect(page.locator("main")).to_contain_text("No group is connected yet")

    # Connecting a group: find both sides, select them, Import.
    page.get_by_role("navigation").get_by_role("link", name="Connect a group").click()
    page.get_by_label("PerfectQuote group").fill("acme")
    page.get_by_label("BenefitPoint account").fill("48201")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("radio", name=re.compile("Acme Widgets grp_001")).check()
    page.get_by_role("radio", name=re.compile("Acme Widgets 48201")).check()
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/groups/grp_001$"))
    expect(page.locator(".flash.ok")).to_contain_text(
        "Connected Acme Widgets (grp_001) to BenefitPoint account"
    )

    # Both systems' plans side by side, every one unreviewed.
    ids = world.seeded()
    for role, plan_id in ids.items():
        side = "perfectquote" if role.startswith("pq_") else "benefitpoint"
        expect(page.locator(f"tr[data-plan='{side}:{plan_id}']")).to_have_count(1)

    # The chooser: merge the PPOs (PerfectQuote is the source of truth), copy the HDHP, never sync BP vision.
    page.locator(f"select[name='pq:{ids['pq_ppo']}']").select_option(f"merge:{ids['bp_ppo']}")
    page.locator(f"select[name='truth:pq:{ids['pq_ppo']}']").select_option("perfectquote")
    page.locator(f"select[name='pq:{ids['pq_hdhp']}']").select_option("copy")
    page.locator(f"select[name='bp:{ids['bp_vision']}']").select_option("skip")
    page.get_by_role("button", name="Save choices").click()
    expect(page.locator(".flash.ok")).to_contain_text("Saved 3 choice(s)")
    expect(page.locator("#links tbody tr")).to_have_count(3)
    expect(page.locator(f"tr[data-plan='benefitpoint:{ids['bp_ppo']}']")).to_contain_text("merge")

    # The preview: field by field, and nothing written anywhere.
    calls = world.write_calls()
    page.get_by_role("link", name="Preview the sync (dry run)").click()
    expect(page.locator("#preview-summary")).to_contain_text("2 write(s) would be made")
    expect(page.locator(".write h3").first).to_contain_text("benefitpoint")
    pq_name = world.plan(PQ, ids["pq_ppo"]).plan.name  # type: ignore[union-attr]
    expect(page.locator(".write").filter(has_text="update")).to_contain_text(pq_name)
    assert world.write_calls() == calls

    # Sync now: the page follows the run until it ends and shows its outcome.
    page.get_by_role("button", name="Sync now").click()
    status = page.locator("#sync-status")
    expect(status).to_contain_text(re.compile(r"Run \d+: succeeded — read \d+, created 1, updated 1"))
    page.get_by_role("link", name="See the change log").click()
    changes = page.locator("#changes tbody tr")
    expect(changes.filter(has_text="pq->bp").filter(has_text=pq_name).first).to_be_visible()
    assert world.plan(BP, ids["bp_ppo"]).plan.name == pq_name  # type: ignore[union-attr]

    # Runs: filtered by outcome, then one run's writes.
    page.get_by_role("navigation").get_by_role("link", name="Runs").click()
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#runs")).to_contain_text("No run matches.")
    page.get_by_label("Outcome").select_option("succeeded")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    page.locator("#runs tbody tr a").first.click()
    expect(page.locator("h1")).to_contain_text("of grp_001")
    expect(page.locator(".write").filter(has_text="pq->bp").first).to_contain_text(pq_name)

    # The overview: the group, its last run and what still needs a person.
    page.get_by_role("navigation").get_by_role("link", name="Overview").click()
    row = page.locator("#groups tbody tr").filter(has_text="grp_001")
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text(re.compile(r"\d+ (s|min) ago"))
    page.get_by_label("Show").select_option("conflicts")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#groups")).to_contain_text("No group matches the filter.")
    page.get_by_label("Show").select_option("unreviewed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#groups tbody tr").filter(has_text="grp_001")).to_have_count(1)


def test_a_conflict_is_settled_and_the_next_sync_writes_it(page: Page, console: Console) -> None:
    world = console.world
    links = world.choose_standard()
    world.sync()
    sign_in(page, console, path="/groups/grp_001")
    page.get_by_label("Conflicts are decided by").select_option("hold_for_review")
    page.locator("form[action$='/policy']").get_by_role("button", name="Save").click()
    expect(page.locator(".flash.ok")).to_contain_text("decided by hold_for_review")

    link = world.link(links["ppo"])
    world.edit_pq(link.plan_ids[PQ], name="Held PQ name")
    world.edit_bp(link.plan_ids[BP], name="Held BP name")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("conflicts 1")
    page.reload()

    conflict = page.locator("#conflicts tbody tr")
    expect(conflict).to_have_count(1)
    expect(conflict).to_contain_text("Held PQ name")
    expect(conflict).to_contain_text("Held BP name")
    conflict.get_by_role("button", name="Keep BenefitPoint's").click()
    expect(page.locator(".flash.ok")).to_contain_text("benefitpoint wins; the next sync writes it")
    expect(page.locator("#conflicts")).to_contain_text("No open conflict.")

    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text(re.compile(r"succeeded — .*updated 1"))
    for side in Side:
        assert world.plan(side, link.plan_ids[side]).plan.name == "Held BP name"  # type: ignore[union-attr]
    page.get_by_role("link", name="See the change log").click()
    expect(page.locator("#changes tbody tr").first).to_contain_text("Held BP name")


def test_a_sync_that_fails_says_so_and_the_page_still_renders(page: Page, console: Console) -> None:
    world = console.world
    world.choose_standard()
    sign_in(page, console, path="/groups/grp_001")
    world.sandboxes.perfectquote_app.state.faults.configure(error_rate=1.0)
    try:
        page.get_by_role("button", name="Sync now").click()
        status = page.locator("#sync-status")
        expect(status).to_contain_text(re.compile(r"Run \d+: failed"), timeout=60_000)
        expect(status).to_contain_text("perfectquote")
        # Read back from the server (no script): the same outcome; the plans' column says why it is empty.
        page.reload()
        expect(page.locator("#sync-status")).to_contain_text("failed")
        expect(page.locator("#plans .flash.error")).to_contain_text("perfectquote could not be read")
    finally:
        world.sandboxes.perfectquote_app.state.faults.configure(error_rate=0.0)
    page.get_by_role("navigation").get_by_role("link", name="Runs").click()
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#runs tbody tr")).to_have_count(1)
