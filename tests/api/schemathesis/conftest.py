"""Fixtures of the generated-input run: the app behind the REST front's WSGI adapter, on moto, with a token
for every role and a small catalog whose ids the generator is handed, so generated cases reach the code."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import strategies as st

from chalicelib.adapters.passwords import Argon2PasswordHasher
from chalicelib.domain.identity import Principal
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # in the real past: tokens issued "now" are never from the future

LAYOUT = {
    "rows": [{"label": label, "seats": [{"number": n} for n in range(1, 6)], "aisles_after": [2]} for label in "ABC"],
    "prices": {"standard": 1200},
}
MOVIE = {
    "title": "Heat",
    "description": "Cops and robbers.",
    "genres": ["Crime"],
    "duration_minutes": 170,
    "rating": "R",
    "release_date": "1995-12-15",
}
USERS = {"customer": "user-carol", "staff": "user-stan", "admin": "user-ada"}


@dataclass
class Known:
    """Ids that exist in the store: a hook offers them to the generator in place of random ids."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        self.ids.setdefault(name, []).append(value)


KNOWN = Known()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def known(api, app_services) -> Known:
    """A movie, a theater, a screening and a hold, made over HTTP, and a token per role."""
    app_services.password_hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    KNOWN.ids.clear()
    KNOWN.tokens = {
        role: app_services.tokens.issue(Principal(user_id=uid, role=role)).token for role, uid in USERS.items()
    }
    admin = KNOWN.tokens["admin"]
    movie = _created(api.post("/api/movies", MOVIE, token=admin))
    theater = _created(api.post("/api/theaters", {"name": "Screen 1", "layout": LAYOUT}, token=admin))
    body = {"movie_id": movie["id"], "theater_id": theater["id"], "starts_at": "2026-06-02T19:00:00Z"}
    screening = _created(api.post("/api/screenings", body, token=admin))
    hold = _created(
        api.post(
            "/api/seat-reservations",
            {"screening_id": screening["id"], "seat_ids": ["A1"]},
            token=KNOWN.tokens["customer"],
        )
    )
    for name, value in (
        ("movie_id", movie["id"]),
        ("theater_id", theater["id"]),
        ("screening_id", screening["id"]),
        ("reservation_id", hold["id"]),
        ("user_id", USERS["customer"]),
        ("user_id", USERS["admin"]),
    ):
        KNOWN.add(name, value)
    return KNOWN


def _created(response: Any) -> dict[str, Any]:
    assert response.status == 201, response.json
    return response.json


@pytest.fixture
def api_schema(known, request):
    from app import app
    from scripts.localcloud.rest import RestFront

    front = RestFront(app)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        """The request target as gunicorn's RAW_URI gives it (werkzeug's test client leaves out the query string
        and decodes the path): every byte of the path but '/' percent-encoded as sent, then the query."""
        target = quote(environ["PATH_INFO"].encode("latin-1"), safe="/")
        query = environ.get("QUERY_STRING")
        return front({**environ, "RAW_URI": f"{target}?{query}" if query else target}, start_response)

    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi)
    loaded.hook(flatmap_path_parameters)
    loaded.hook(flatmap_body)
    answered: Counter[tuple[str, int]] = Counter()

    def after_call(context, case, response):
        answered[(f"{case.method} {case.path}", response.status_code)] += 1

    loaded.hook(after_call)
    started = time.monotonic()
    yield loaded
    _report(request, answered, time.monotonic() - started)


def _report(request: pytest.FixtureRequest, answered: Counter[tuple[str, int]], seconds: float) -> None:
    """The figures of the run (cases, 5xx, statuses), printed at the end of the session; per operation with -v."""
    statuses: Counter[int] = Counter()
    for (_, status), count in answered.items():
        statuses[status] += count
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    REPORT.append(
        f"schemathesis: {sum(statuses.values())} generated cases in {seconds:.0f} s, "
        f"{server_errors} answered 5xx; by status {summary}"
    )
    if request.config.option.verbose > 0:
        for operation in sorted({operation for operation, _ in answered}):
            line = ", ".join(f"{s}: {n}" for (o, s), n in sorted(answered.items()) if o == operation)
            REPORT.append(f"  {operation}: {line}")


REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for line in REPORT:
        terminalreporter.write_line(line)


def _with_known_ids(values: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any] | None]:
    if not isinstance(values, dict):
        return st.just(values)
    choices = {name: st.sampled_from([value, *KNOWN.ids[name]]) for name, value in values.items() if name in KNOWN.ids}
    return st.fixed_dictionaries(choices).map(lambda chosen: {**values, **chosen}) if choices else st.just(values)


def flatmap_path_parameters(context, path_parameters):
    return _with_known_ids(path_parameters)


def flatmap_body(context, body):
    return _with_known_ids(body)
