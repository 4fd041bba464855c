"""The console over real HTTP against the sandboxes, clicked through in Debian's Chromium by Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright
from starlette.applications import Starlette

from connectors.sandbox.launcher import Sandboxes
from connectors.sandbox.server import ServerThread
from tests.worker.service.conftest import make_world, migrated_template, sandboxes, sqlite_copy  # noqa: F401
from tests.worker.service.world import World
from worker.console.app import create_app
from worker.console.auth import load_console_auth

PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-" + "k" * 32
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (root in CI), nothing fetched from the network but the console itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(kw_only=True)
class Console:
    url: str
    world: World
    app: Starlette


@pytest.fixture
def world(sandboxes: Sandboxes, migrated_template: Path, tmp_path: Path) -> Iterator[World]:  # noqa: F811
    built = make_world(sandboxes, sqlite_copy(migrated_template, tmp_path))
    yield built
    built.close()


@pytest.fixture
def console(world: World) -> Iterator[Console]:
    """The console app served by uvicorn on a free loopback port, over the world's context."""
    auth = load_console_auth({"CONSOLE_PASSWORD": PASSWORD, "CONSOLE_SECRET_KEY": SECRET_KEY})
    app = create_app(world.context, auth)
    with ServerThread(app) as server:
        yield Console(url=server.url, world=world, app=app)
    app.state.jobs.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Never skipped: a machine without the browser fails here, saying how to install it.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """Debian's Chromium with a fresh user-data directory for each test."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Page:
    return browser.pages[0] if browser.pages else browser.new_page()


def sign_in(page: Page, console: Console, *, path: str = "/") -> None:
    page.goto(console.url + path)
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
