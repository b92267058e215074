"""A local cloud (the harness's) with one 300-seat screening, and Debian's Chromium driven by Playwright.

The local cloud runs its WebSocket gateway; a page reaches it only when the test opens it with
``new_page(websocket=True)``. Other pages' sockets are closed as they open, as if no gateway were
there, and they must fall back to polling.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from scripts import demo_data
from scripts.localcloud.harness import LocalCloud, local_cloud

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
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Cloud:
    local: LocalCloud
    screening_id: str

    @property
    def api(self) -> str:
        return self.local.api_url

    def page_url(self, screening_id: str | None = None) -> str:
        return f"{self.api}/seat-reservation-demo.html?screening={screening_id or self.screening_id}"

    def register(self, email: str, name: str) -> dict:
        """A customer account created over HTTP, as the page's own register form would."""
        answer = requests.post(
            f"{self.api}/api/auth/register", json={"email": email, "password": PASSWORD, "name": name}, timeout=30
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def token(self, user_id: str) -> str:
        return self.local.token(user_id)


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    """The local cloud on free ports, its page told its gateway's URL, seeded with one 300-seat hall."""
    with local_cloud(dataset=demo_data.halls(1)) as running:
        assert running.seeded is not None
        [screening_id] = running.seeded.screening_ids
        yield Cloud(running, screening_id)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: run `make system-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser):
    """Pages in contexts of their own (separate storage, as two people on two machines); closed afterwards.

    ``websocket=True`` lets the page reach the WebSocket gateway. A script error or a Content-Security-Policy
    violation on any of them fails the test."""
    contexts = []
    problems: list[str] = []

    def open_context(*, paused_clock: bool = False, websocket: bool = False):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        if not websocket:
            context.route_web_socket(re.compile(".*"), lambda socket: socket.close())
        if paused_clock:
            # The page's timers (polling, countdown) run only when the test advances the clock.
            context.clock.install()
            context.clock.pause_at(time.time() + 1)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
        )
        return page

    yield open_context
    for context in contexts:
        context.close()
    assert problems == []
