"""The local WebSocket API: API Gateway's WebSocket semantics in front of the same Chalice app, on one port.

- ``ws://host:port/`` (or ``/api``, the stage): the upgrade waits for the app's ``$connect`` handler; a
  non-2xx answer (or an exception) refuses the handshake with that status. Every message is routed
  (`ws_events.select_route`) to its handler; ``$disconnect`` runs when either side closes.
- ``/@connections/{id}`` (or ``/api/@connections/{id}``): the management API the app's notifier calls with
  boto3 (``apigatewaymanagementapi``): POST sends, GET describes, DELETE closes; 410 ``GoneException`` for
  a closed or unknown connection; 413 over 128 KB.
- API Gateway's limits: 128 KB messages (1009 beyond), 10 min idle, 2 h per connection (1001 "Going away").

Handlers run in a thread pool, never on the event loop, so a handler can post back to its own connection.
aiohttp serves both the WebSocket and the HTTP management API on one port, as API Gateway serves both on
one domain (the ``websockets`` package cannot read request bodies, so it would need a second server).

Run: ``python -m scripts.localcloud.ws_gateway --port 8001`` in the local stage's environment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from chalice import Chalice

from scripts.localcloud import ws_events
from scripts.localcloud.environment import configure_logging, warm_up
from scripts.localcloud.ws_events import Peer

log = logging.getLogger("localcloud.ws")

MAX_MESSAGE_BYTES = 128 * 1024
IDLE_SECONDS = 10 * 60
MAX_CONNECTION_SECONDS = 2 * 60 * 60


@dataclass
class LiveConnection:
    peer: Peer
    socket: web.WebSocketResponse
    last_active: float = field(default_factory=time.time)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": error_type})


class WebSocketGateway:
    def __init__(
        self,
        app: Chalice,
        *,
        workers: int = 16,
        idle_seconds: float = IDLE_SECONDS,
        max_connection_seconds: float = MAX_CONNECTION_SECONDS,
    ):
        self._app = app
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ws-handler")
        self._idle = idle_seconds
        self._max_age = max_connection_seconds
        self.connections: dict[str, LiveConnection] = {}

    def web_app(self) -> web.Application:
        web_app = web.Application(client_max_size=MAX_MESSAGE_BYTES + 1024)
        web_app.router.add_get("/", self.upgrade)
        web_app.router.add_get(f"/{ws_events.STAGE}", self.upgrade)
        for prefix in ("", f"/{ws_events.STAGE}"):
            web_app.router.add_post(prefix + "/@connections/{connection_id}", self.post_to_connection)
            web_app.router.add_get(prefix + "/@connections/{connection_id}", self.get_connection)
            web_app.router.add_delete(prefix + "/@connections/{connection_id}", self.delete_connection)
        web_app.on_shutdown.append(self._close_all)
        return web_app

    async def _call(self, route_key: str, event: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, ws_events.invoke, self._app, route_key, event)

    async def upgrade(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, autoping=True)
        if not socket.can_prepare(request).ok:
            return web.json_response({"message": "Upgrade Required"}, status=426)
        peer = Peer(
            ws_events.new_connection_id(),
            request.host,
            request.remote or "127.0.0.1",
            request.headers.get("User-Agent", ""),
        )
        headers = {name: request.headers.getall(name) for name in request.headers}
        query = {name: request.query.getall(name) for name in request.query}
        answer = await self._call("$connect", ws_events.connect_event(peer, headers, query))
        if not ws_events.succeeded(answer):
            log.info("handshake refused with %s for %s", answer.get("statusCode"), peer.connection_id)
            return web.json_response({"message": "Forbidden"}, status=int(answer["statusCode"]))
        protocol = (answer.get("headers") or {}).get("Sec-WebSocket-Protocol")
        if protocol:
            socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, protocols=(protocol,))
        await socket.prepare(request)
        live = LiveConnection(peer, socket)
        self.connections[peer.connection_id] = live
        code, reason = await self._serve(live)
        self.connections.pop(peer.connection_id, None)
        await self._call("$disconnect", ws_events.disconnect_event(peer, code, reason))
        return socket

    async def _serve(self, live: LiveConnection) -> tuple[int, str]:
        """Deliver the client's messages until it closes, idles out or reaches the maximum age."""
        socket, born = live.socket, time.monotonic()
        while True:
            idle_left = self._idle - (time.time() - live.last_active)
            age_left = self._max_age - (time.monotonic() - born)
            if min(idle_left, age_left) <= 0:
                await socket.close(code=WSCloseCode.GOING_AWAY, message=b"Going away")
                return int(WSCloseCode.GOING_AWAY), "Going away"
            try:
                message = await asyncio.wait_for(socket.receive(), timeout=min(idle_left, age_left))
            except TimeoutError:
                continue
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                live.last_active = time.time()
                await self._deliver(live, message.data)
            elif message.type == WSMsgType.ERROR:
                code = int(socket.close_code or WSCloseCode.MESSAGE_TOO_BIG)
                return code, "Message too big" if code == WSCloseCode.MESSAGE_TOO_BIG else str(message.data)
            elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return int(socket.close_code or 1005), str(message.extra or "")

    async def _deliver(self, live: LiveConnection, data: str | bytes) -> None:
        route = ws_events.select_route(self._app, data)
        if route is None:
            await self._send(live, json.dumps({"message": "Forbidden", "connectionId": live.peer.connection_id}))
            return
        event = ws_events.message_event(live.peer, route, data)
        answer = await self._call(route, event)
        if int(answer.get("statusCode", 200)) >= 500:
            request_id = event["requestContext"]["requestId"]
            body = {"message": "Internal server error", "connectionId": live.peer.connection_id}
            await self._send(live, json.dumps({**body, "requestId": request_id}))

    async def _send(self, live: LiveConnection, data: str | bytes) -> None:
        async with live.send_lock:
            if isinstance(data, bytes):
                await live.socket.send_bytes(data)
            else:
                await live.socket.send_str(data)

    def _live(self, request: web.Request) -> LiveConnection | None:
        live = self.connections.get(request.match_info["connection_id"])
        return live if live is not None and not live.socket.closed else None

    async def post_to_connection(self, request: web.Request) -> web.Response:
        live = self._live(request)
        if live is None:
            return _error(410, "GoneException", "The connection is closed or does not exist.")
        data = await request.read()
        if len(data) > MAX_MESSAGE_BYTES:
            return _error(413, "PayloadTooLargeException", f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")
        try:
            await self._send(live, data.decode("utf-8"))
        except UnicodeDecodeError:
            await self._send(live, data)
        except ConnectionResetError:
            return _error(410, "GoneException", "The connection closed while sending.")
        live.last_active = time.time()
        return web.Response(status=200)

    async def get_connection(self, request: web.Request) -> web.Response:
        live = self._live(request)
        if live is None:
            return _error(410, "GoneException", "The connection is closed or does not exist.")
        peer = live.peer
        return web.json_response(
            {
                "connectedAt": _iso(peer.connected_at_ms / 1000),
                "identity": {"sourceIp": peer.source_ip, "userAgent": peer.user_agent},
                "lastActiveAt": _iso(live.last_active),
            }
        )

    async def delete_connection(self, request: web.Request) -> web.Response:
        live = self._live(request)
        if live is None:
            return _error(410, "GoneException", "The connection is closed or does not exist.")
        await live.socket.close(code=WSCloseCode.OK, message=b"Goodbye")
        return web.Response(status=204)

    async def _close_all(self, _web_app: web.Application) -> None:
        for live in list(self.connections.values()):
            await live.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutting down")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The local WebSocket API (API Gateway semantics)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    configure_logging()
    from app import app

    warm_up()
    web.run_app(WebSocketGateway(app).web_app(), host=args.host, port=args.port, print=None, backlog=1024)


if __name__ == "__main__":
    main()
