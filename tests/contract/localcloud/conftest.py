"""Fixtures of the local cloud's contract tests: the WebSocket gateway in this process, around a tiny app."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import boto3
import pytest
from aiohttp import web
from chalice import Chalice, Response

from scripts.localcloud.ws_gateway import WebSocketGateway


class RunningGateway:
    """The gateway on a free port, its event loop in a background thread."""

    def __init__(self, app: Chalice, **options: Any):
        self.gateway = WebSocketGateway(app, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._runner = web.AppRunner(self.gateway.web_app())
        self._run(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._run(site.start())
        self.port = self._runner.addresses[0][1]

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def management(self):
        return boto3.client("apigatewaymanagementapi", endpoint_url=self.management_url, region_name="us-east-1")

    def stop(self) -> None:
        self._run(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


class TinyWebSocketApp:
    """A test-only Chalice app: records every event; `?refuse=<status>` refuses, `?crash=1` raises."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.disconnected = threading.Event()
        self.app = app = Chalice(app_name="tiny-ws")
        app.experimental_feature_flags.update(["WEBSOCKETS"])

        @app.on_ws_connect()
        def connect(event):
            raw = event.to_dict()
            self.events.append(raw)
            query = raw.get("queryStringParameters") or {}
            if "crash" in query:
                raise RuntimeError("the $connect handler crashed")
            if "refuse" in query:
                return Response(body="", status_code=int(query["refuse"]))
            return {"statusCode": 200}

        @app.on_ws_message()
        def message(event):
            raw = event.to_dict()
            self.events.append(raw)
            if raw.get("body") == "crash":
                raise RuntimeError("the $default handler crashed")

        @app.on_ws_disconnect()
        def disconnect(event):
            self.events.append(event.to_dict())
            self.disconnected.set()

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["requestContext"]["eventType"] == event_type]


@pytest.fixture
def tiny_ws() -> TinyWebSocketApp:
    return TinyWebSocketApp()


@pytest.fixture
def gateway(tiny_ws):
    running = RunningGateway(tiny_ws.app)
    yield running
    running.stop()
