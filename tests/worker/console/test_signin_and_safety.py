"""In the browser: sign-in is required, a wrong password is refused, a POST without its token is refused,
and a plan named like a script is shown as text."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from reconciliation.side import Side
from tests.worker.console.conftest import PASSWORD, Console, sign_in

SCRIPT_NAME = "<script>alert(1)</script>"


def test_every_page_needs_sign_in_and_a_wrong_password_is_refused(page: Page, console: Console) -> None:
    page.goto(console.url + "/runs?outcome=failed")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fruns%3Foutcome%3Dfailed$"))
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("Wrong password.")
    expect(page.get_by_role("link", name="Runs")).to_have_count(0)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Back where the person wanted to go, the filter kept.
    expect(page).to_have_url(re.compile(r"/runs\?outcome=failed$"))
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto(console.url + "/carriers")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fcarriers$"))


def test_unsigned_requests_are_turned_away_without_a_browser_too(console: Console) -> None:
    with httpx.Client(base_url=console.url) as client:
        assert client.get("/groups/grp_001").status_code == 303
        assert client.get("/groups/grp_001/sync/x.json").status_code == 401
        assert client.post("/groups/grp_001/sync", data={"csrf_token": "guess"}).status_code == 401
        # A forged session cookie is not a session: it is signed with the console's key.
        client.cookies.set("plansync_console", "eyJ1c2VyIjogIm9wcyJ9.forged.signature")
        assert client.get("/").status_code == 303
        assert client.get("/healthz").text == "ok"


def test_a_post_without_its_csrf_token_is_refused(page: Page, console: Console) -> None:
    console.world.connect()
    sign_in(page, console, path="/groups/grp_001")
    token = page.locator("#sync input[name=csrf_token]").first.input_value()

    # The page's own form with its token taken out: the browser posts it, the console refuses it.
    page.locator("#sync form[action$='/sync'] input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("body")).to_contain_text("security token is missing or out of date")

    # The same POST from the signed-in browser session: without the token, with a wrong one, with it.
    request = page.context.request
    assert request.post(console.url + "/groups/grp_001/sync", form={}).status == 403
    assert request.post(console.url + "/groups/grp_001/sync", form={"csrf_token": token + "x"}).status == 403
    assert (
        request.post(console.url + "/groups/grp_001/policy", form={"policy": "hold_for_review"}).status == 403
    )
    with console.world.context.sessions() as session:
        from reconciliation.storage import repository as repo

        assert repo.get_group(session, "grp_001").conflict_policy.value == "source_of_truth_wins"
    answer = request.post(
        console.url + "/groups/grp_001/policy",
        form={"csrf_token": token, "policy": "hold_for_review"},
        max_redirects=0,
    )
    assert answer.status == 303
    # Signing in again makes a new token: the one from before is worth nothing.
    page.goto(console.url + "/")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, console)
    assert (
        request.post(
            console.url + "/groups/grp_001/policy",
            form={"csrf_token": token, "policy": "source_of_truth_wins"},
        ).status
        == 403
    )


def test_a_plan_named_like_a_script_is_shown_as_text(page: Page, console: Console) -> None:
    world = console.world
    world.connect()
    pq_plan = world.seeded()["pq_ppo"]
    world.edit_pq(pq_plan, name=SCRIPT_NAME)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, console, path="/groups/grp_001")
    cell = page.locator(f"tr[data-plan='perfectquote:{pq_plan}'] .plan-name")
    expect(cell).to_contain_text(SCRIPT_NAME)
    assert page.locator("script:not([src])").count() == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()

    # Chosen, previewed and synced, the name is still text on every page that shows it.
    bp_plan = world.seeded()["bp_ppo"]
    page.locator(f"select[name='pq:{pq_plan}']").select_option(f"merge:{bp_plan}")
    page.locator(f"select[name='truth:pq:{pq_plan}']").select_option("perfectquote")
    page.get_by_role("button", name="Save choices").click()
    expect(page.locator("#links")).to_contain_text(SCRIPT_NAME)
    page.get_by_role("link", name="Preview the sync (dry run)").click()
    expect(page.locator(".write").first).to_contain_text(SCRIPT_NAME)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("succeeded")
    page.get_by_role("link", name="See the change log").click()
    expect(page.locator("#changes")).to_contain_text(SCRIPT_NAME)
    assert world.plan(Side.BENEFITPOINT, bp_plan).plan.name == SCRIPT_NAME  # type: ignore[union-attr]
    assert dialogs == []
