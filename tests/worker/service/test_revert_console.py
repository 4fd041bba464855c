"""The console's revert button on a run's page and the history section of the group page, over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from reconciliation.side import Side
from tests.worker.console.conftest import PASSWORD, Console, console  # noqa: F401 - a fixture
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(page: httpx.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


@pytest.fixture
def browser(console: Console) -> Iterator[httpx.Client]:  # noqa: F811
    """A signed-in client: cookies kept, redirects followed, as a browser does."""
    with httpx.Client(base_url=console.url, follow_redirects=True, timeout=30.0) as client:
        form = client.get("/signin")
        signed = client.post("/signin", data={"csrf_token": token_of(form), "password": PASSWORD,
                                              "next": "/"})
        assert signed.status_code == 200 and "Sign out" in signed.text
        yield client


def test_the_revert_button_reverts_the_run_and_the_history_shows_it(
        browser: httpx.Client, world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    bp_id = link.plan_ids[BP] or ""
    before = world.plan(BP, bp_id).plan
    world.edit_pq(link.plan_ids[PQ] or "", name="Renamed for the console")
    run = world.sync()
    page = browser.get(f"/runs/{run.run_id}")
    assert 'id="revert-run"' in page.text
    refused = browser.post(f"/runs/{run.run_id}/revert", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (world.plan(BP, bp_id).plan or before).name == "Renamed for the console"

    done = browser.post(f"/runs/{run.run_id}/revert", data={"csrf_token": token_of(page)})

    assert done.status_code == 200 and not str(done.url).endswith(f"/runs/{run.run_id}")
    assert f"reverted run {run.run_id}: succeeded; 1 field(s) written back" in done.text
    after = world.plan(BP, bp_id).plan
    assert before is not None and after is not None and after.name == before.name
    shown = browser.get("/groups/grp_001", params={"history": link.id, "field": "name"})
    section = shown.text[shown.text.index('id="history"'):shown.text.index('id="changes"')]
    assert "edited in perfectquote" in section and "put back by a revert" in section
    assert section.rindex("put back by a revert") > section.rindex("edited in perfectquote")


def test_a_run_that_wrote_nothing_has_no_revert_button_and_is_refused(
        browser: httpx.Client, world: World, synced: dict[str, str]) -> None:
    quiet = world.sync()
    page = browser.get(f"/runs/{quiet.run_id}")
    assert "This run wrote nothing." in page.text and 'id="revert-run"' not in page.text

    refused = browser.post(f"/runs/{quiet.run_id}/revert", data={"csrf_token": token_of(page)})

    assert f"run {quiet.run_id} wrote nothing, so there is nothing to revert" in refused.text
    missing = browser.get("/groups/grp_001", params={"history": "pq:nope"})
    assert "plan &#39;pq:nope&#39; is not linked in group grp_001" in missing.text
