"""A local cloud (moto + REST front) with one 300-seat screening, and Debian's Chromium driven by Playwright.

The page's WebSocket URL (``WS_PUBLIC_URL``) names a port where nothing listens unless a test starts the
local WebSocket gateway there (`ws_gateway`): without it the page must fall back to polling.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from scripts import bench_reservations as bench
from scripts.localcloud.children import Child, wait_for_port
from scripts.localcloud.environment import Ports, local_environment

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
    api: str
    aws: str
    ws_port: int
    screening_id: str

    def page_url(self, screening_id: str | None = None) -> str:
        return f"{self.api}/seat-reservation-demo.html?screening={screening_id or self.screening_id}"

    def register(self, email: str, name: str) -> dict:
        """A customer account created over HTTP, as the page's own register form would."""
        answer = requests.post(
            f"{self.api}/api/auth/register", json={"email": email, "password": PASSWORD, "name": name}, timeout=30
        )
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    """moto and the REST front on free ports; this process's environment is restored afterwards."""
    saved = dict(os.environ)
    ws_port = bench.free_port()
    os.environ["WS_PUBLIC_URL"] = f"ws://127.0.0.1:{ws_port}"
    try:
        with bench.local_cloud(hold_seconds=600) as (api, aws):
            [screening_id] = bench.seed(api, 1)
            yield Cloud(api, aws, ws_port, screening_id)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def ws_gateway(cloud: Cloud) -> Iterator[int]:
    """The local WebSocket gateway on the port the page is told about, started as the supervisor starts it."""
    ports = Ports(api=_port(cloud.api), ws=cloud.ws_port, moto=_port(cloud.aws))
    env = local_environment(os.environ, aws_endpoint=cloud.aws, ports=ports, localstack=False)
    env["LOG_LEVEL"] = "WARNING"
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.localcloud.ws_gateway", "--port", str(cloud.ws_port)],
        cwd=bench.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(cloud.ws_port, 30, Child("websocket", process))
        yield cloud.ws_port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


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

    A script error or a Content-Security-Policy violation on any of them fails the test."""
    contexts = []
    problems: list[str] = []

    def open_context(*, paused_clock: bool = False):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
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
