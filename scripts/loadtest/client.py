"""The load test's side of the wire: one aiohttp session, every call timed, users and screenings set up via the API."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from scripts import demo_data
from scripts.loadtest.stats import Sample, Tally

REGISTER_PASSWORD = "load-test-password-42"


@dataclass
class Answer:
    status: int
    body: Any
    sent_at: float  # monotonic
    answered_at: float


class Client:
    """HTTP calls to the API, each recorded in `tally` (status 0: no answer)."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession, tally: Tally, started: float):
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.tally = tally
        self.started = started
        self.failures: Counter = Counter()  # calls that got no answer, by the client's error

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        kind: str = "other",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent_headers = dict(headers or {})
        if token:
            sent_headers["Authorization"] = f"Bearer {token}"
        sent = time.monotonic()
        try:
            async with self.session.request(method, self.base_url + path, json=body, headers=sent_headers) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError):
            status, text = 0, ""
        answered = time.monotonic()
        self.tally.add(Sample(sent - self.started, answered - sent, status, kind))
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = text
        return Answer(status, payload, sent, answered)

    async def expect(self, method: str, path: str, body: Any = None, *, status: int, **kw: Any) -> Any:
        answer = await self.call(method, path, body, **kw)
        if answer.status != status:
            raise RuntimeError(f"{method} {path} answered {answer.status}, expected {status}: {str(answer.body)[:300]}")
        return answer.body


@dataclass
class User:
    user_id: str
    token: str
    registered: bool  # False: a token minted with the local cloud's keys (see docs/performance.md)


async def admin_token(client: Client, email: str, password: str) -> str:
    body = await client.expect("POST", "/api/auth/login", {"email": email, "password": password}, status=200)
    return str(body["access_token"])


async def new_screening(client: Client, admin: str, name: str) -> dict[str, Any]:
    """A 300-seat hall of its own (so no schedule conflicts), the hall movie, a screening three days on."""
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    theater = await client.expect(
        "POST",
        "/api/theaters",
        {"name": f"Load test {name} {stamp}", "layout": demo_data.hall_layout()},
        token=admin,
        status=201,
    )
    movie = await client.expect(
        "POST", "/api/movies", {**demo_data.HALL_MOVIE, "title": f"Load test {stamp}"}, token=admin, status=201
    )
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    starts = starts.replace(minute=starts.minute - starts.minute % 5)
    body = {"movie_id": movie["id"], "theater_id": theater["id"], "starts_at": starts.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return dict(await client.expect("POST", "/api/screenings", body, token=admin, status=201))


async def register(client: Client, tag: str, count: int, parallel: int = 4) -> list[User]:
    """Real accounts through ``POST /api/auth/register`` (argon2: the expensive part), a few at a time."""
    stamp = datetime.now(UTC).strftime("%H%M%S")
    gate = asyncio.Semaphore(parallel)

    async def one(n: int) -> User:
        async with gate:
            body = {"email": f"lt-{tag}-{stamp}-{n}@example.com", "password": REGISTER_PASSWORD, "name": f"LT {n}"}
            answer = await client.expect("POST", "/api/auth/register", body, status=201, kind="register")
            return User(answer["user"]["id"], answer["access_token"], True)

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def users(client: Client, tag: str, count: int, registered: int, mint: Callable[[str], str] | None) -> list[User]:
    """`registered` real accounts, the rest minted (local cloud only) or registered too (any other base URL)."""
    real = await register(client, tag, min(count, registered if mint else count))
    minted = [User(f"lt-{tag}-{n}", mint(f"lt-{tag}-{n}"), False) for n in range(count - len(real))] if mint else []
    return real + minted


async def browse(client: Client, user: User, screening_id: str) -> None:
    """What a visitor does before choosing: the movies, the screening, its seat map."""
    await client.call("GET", "/api/movies?limit=20", kind="browse")
    await client.call("GET", f"/api/screenings/{screening_id}", kind="browse")
    await client.call("GET", f"/api/seat-reservations/available-seats/{screening_id}", kind="browse")


@dataclass
class Watchers:
    """WebSocket viewers of one screening's seat map: what they were sent, by message type."""

    received: Counter = field(default_factory=Counter)
    opened: int = 0
    tasks: list[asyncio.Task] = field(default_factory=list)

    async def watch(self, session: aiohttp.ClientSession, ws_url: str, screening_id: str, tokens: list[str]) -> None:
        for token in tokens:
            self.tasks.append(asyncio.create_task(self._one(session, ws_url, screening_id, token)))
        await asyncio.sleep(0.5)

    async def _one(self, session: aiohttp.ClientSession, ws_url: str, screening_id: str, token: str) -> None:
        try:
            async with session.ws_connect(f"{ws_url}?token={token}") as ws:
                self.opened += 1
                await ws.send_json({"action": "join_screening", "screening_id": screening_id})
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.TEXT:
                        for part in _json_messages(message.data):
                            self.received[part.get("type", "?")] += 1
        except (TimeoutError, aiohttp.ClientError):
            self.received["connection_failed"] += 1

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _json_messages(data: str) -> list[dict[str, Any]]:
    """One frame may hold several JSON messages (moto's post_to_connection concatenates them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(data):
        try:
            value, at = decoder.raw_decode(data, at)
        except ValueError:
            break
        if isinstance(value, dict):
            found.append(value)
        while at < len(data) and data[at].isspace():
            at += 1
    return found
