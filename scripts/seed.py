"""Seed the local cloud with the demo data, through the public REST API, as an admin would. Idempotent.

The admin is created (or kept) with the accounts room's `scripts.create_admin`; then theaters, movies
and screenings that do not exist yet are created with ``POST /api/theaters``, ``/api/movies`` and
``/api/screenings``. Running it again on the same data (moto still up, or LocalStack) creates nothing.
The data is a `demo_data.Dataset`: the demo's (`DEMO`, the default) or the 300-seat halls of the races and
benchmarks (`demo_data.halls(n)`, which `scripts.localcloud.harness` seeds for tests).

    .venv/bin/python -m scripts.seed            # against a running `make run` (API_PORT, default 8000)
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests

from scripts import demo_data
from scripts.create_admin import create_admin
from scripts.localcloud.environment import Ports, configure_logging, local_environment

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

log = logging.getLogger("localcloud.seed")

PARALLEL_WRITES = 4  # screenings of different days and theaters claim different slots: no conflicts


class SeedError(RuntimeError):
    pass


@dataclass
class SeedReport:
    admin_email: str
    admin_password: str
    created: dict[str, int] = field(default_factory=lambda: {"theaters": 0, "movies": 0, "screenings": 0})
    existing: dict[str, int] = field(default_factory=lambda: {"theaters": 0, "movies": 0, "screenings": 0})
    screening_ids: list[str] = field(default_factory=list)  # the plan's screenings, in its order


class Api:
    """A thin HTTP client of the public API (one request per call: safe to share between threads)."""

    def __init__(self, base_url: str, token: str | None = None):
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None, params: dict | None = None) -> requests.Response:
        return requests.request(method, self._base + path, json=body, params=params, headers=self._headers, timeout=30)

    def expect(self, method: str, path: str, body: Any = None, *, status: int = 200) -> Any:
        response = self.call(method, path, body)
        if response.status_code != status:
            raise SeedError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def all_items(self, path: str, params: dict | None = None) -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            query = {**(params or {}), "limit": 100, **({"cursor": cursor} if cursor else {})}
            page = self.call("GET", path, params=query)
            if page.status_code != 200:
                raise SeedError(f"GET {path} answered {page.status_code}: {page.text[:300]}")
            items.extend(page.json()["items"])
            cursor = page.json().get("next_cursor")
            if not cursor:
                return items


def seed(
    base_url: str,
    now: datetime | None = None,
    *,
    dataset: demo_data.Dataset = demo_data.DEMO,
    using: Services | None = None,
) -> SeedReport:
    """Create what `dataset` has and the API does not; `using` is the composition the admin is created with."""
    now = now or datetime.now(UTC)
    report = SeedReport(demo_data.ADMIN_EMAIL, demo_data.ADMIN_PASSWORD)
    create_admin(demo_data.ADMIN_EMAIL, demo_data.ADMIN_PASSWORD, demo_data.ADMIN_NAME, using)
    login = Api(base_url).expect(
        "POST", "/api/auth/login", {"email": demo_data.ADMIN_EMAIL, "password": demo_data.ADMIN_PASSWORD}
    )
    api = Api(base_url, login["access_token"])

    theaters = {theater["name"]: theater["id"] for theater in api.all_items("/api/theaters")}
    for name, layout in dataset.theaters.items():
        if name in theaters:
            report.existing["theaters"] += 1
            continue
        theaters[name] = api.expect("POST", "/api/theaters", {"name": name, "layout": layout}, status=201)["id"]
        report.created["theaters"] += 1

    movies = {movie["title"]: movie["id"] for movie in api.all_items("/api/movies")}
    for movie in dataset.movies:
        if movie["title"] in movies:
            report.existing["movies"] += 1
            continue
        movies[movie["title"]] = api.expect("POST", "/api/movies", movie, status=201)["id"]
        report.created["movies"] += 1

    plan = dataset.plan(now)
    window = {"from": _iso(now), "to": _iso(max((start for _, _, start in plan), default=now) + timedelta(minutes=1))}
    scheduled = {
        (screening["theater_id"], screening["starts_at"]): screening["id"]
        for theater_id in {theaters[name] for name, _, _ in plan}
        for screening in api.all_items("/api/screenings", {"theater_id": theater_id, **window})
    }
    missing = [
        {"movie_id": movies[title], "theater_id": theaters[theater], "starts_at": _iso(starts_at)}
        for theater, title, starts_at in plan
        if (theaters[theater], _iso(starts_at)) not in scheduled
    ]
    with ThreadPoolExecutor(max_workers=PARALLEL_WRITES) as pool:
        created = list(pool.map(lambda body: api.expect("POST", "/api/screenings", body, status=201), missing))
    scheduled.update({(screening["theater_id"], screening["starts_at"]): screening["id"] for screening in created})
    report.screening_ids = [scheduled[theaters[theater], _iso(starts_at)] for theater, _, starts_at in plan]
    report.created["screenings"] = len(missing)
    report.existing["screenings"] = len(plan) - len(missing)
    log.info("seeded: created %s, already there %s", report.created, report.existing)
    return report


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    """Seed a running local cloud: moto on MOTO_PORT, or the LocalStack named by AWS_ENDPOINT_URL."""
    configure_logging()
    ports = Ports.from_env()
    external = os.environ.get("AWS_ENDPOINT_URL")
    endpoint = external or f"http://127.0.0.1:{ports.moto}"
    os.environ.update(local_environment(os.environ, aws_endpoint=endpoint, ports=ports, localstack=bool(external)))
    seed(f"http://127.0.0.1:{ports.api}")


if __name__ == "__main__":
    main()
