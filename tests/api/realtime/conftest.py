"""WebSocket routes driven with hand-built API Gateway events; what the app posts back is recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LAYOUT = {
    "rows": [{"label": label, "seats": [{"number": n, "category": "standard"} for n in range(1, 5)]} for label in "AB"],
    "prices": {"standard": 1200},
}


class RecordingNotifier:
    """Keeps what the app posts to connections (the real notifier is tested against the local gateway)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def use_endpoint_if_unset(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        json.dumps(message)  # what goes over the wire must be JSON
        self.sent.append((connection_id, message))
        return True

    def send_many(self, connection_ids, message: dict[str, Any]) -> int:
        return sum(self.send(connection_id, message) for connection_id in connection_ids)

    def send_each(self, posts) -> int:
        return sum(self.send(connection_id, message) for connection_id, message in posts)

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return [message for target, message in self.sent if target == connection_id]


def ws_event(route_key: str, connection_id: str, *, body: str | None = None, token: str | None = None) -> dict:
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "connectionId": connection_id,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "stage": "api",
            "apiId": "abc123",
            "requestId": f"req-{connection_id}-{route_key}",
            "connectedAt": 1780000000000,
            "messageDirection": "IN",
        },
        "isBase64Encoded": False,
    }
    if event_type == "CONNECT":
        event["queryStringParameters"] = {"token": token} if token is not None else None
        event["headers"] = {"Host": "abc123.execute-api.us-east-1.amazonaws.com"}
    if event_type == "MESSAGE":
        event["body"] = body
    return event


class WebSocketRoutes:
    def __init__(self, lambdas) -> None:
        self._lambdas = lambdas

    def connect(self, connection_id: str, token: str | None = None) -> dict:
        return self._lambdas.invoke("ws_connect", ws_event("$connect", connection_id, token=token)).payload

    def send(self, connection_id: str, body: str | dict) -> dict:
        text = body if isinstance(body, str) else json.dumps(body)
        return self._lambdas.invoke("ws_message", ws_event("$default", connection_id, body=text)).payload

    def disconnect(self, connection_id: str) -> dict:
        return self._lambdas.invoke("ws_disconnect", ws_event("$disconnect", connection_id)).payload


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def notifier(app_services) -> RecordingNotifier:
    recording = RecordingNotifier()
    app_services.__dict__["notifier"] = recording  # replaces the cached_property before anything builds it
    return recording


@pytest.fixture
def ws(app_services, notifier):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield WebSocketRoutes(client.lambda_)


@pytest.fixture
def screening_id(api, token_for) -> str:
    admin = token_for("admin-1", "admin")
    theater = api.post("/api/theaters", {"name": "Screen 9", "layout": LAYOUT}, token=admin)
    assert theater.status == 201, theater.json
    movie = api.post(
        "/api/movies",
        {"title": "Heat", "description": "Cops and robbers.", "genres": ["Crime"], "duration_minutes": 170,
         "rating": "R", "release_date": "1995-12-15"},
        token=admin,
    )  # fmt: skip
    assert movie.status == 201, movie.json
    created = api.post(
        "/api/screenings",
        {"movie_id": movie.json["id"], "theater_id": theater.json["id"], "starts_at": "2026-06-02T19:00:00Z"},
        token=admin,
    )
    assert created.status == 201, created.json
    return created.json["id"]
