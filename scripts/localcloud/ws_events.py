"""API Gateway's WebSocket integration, as the local gateway plays it: events, route selection, invocation.

Event shapes follow the Lambda proxy events API Gateway sends for ``CONNECT``, ``MESSAGE`` and
``DISCONNECT``. Route selection follows the deployed API: Chalice deploys ``$connect``, ``$disconnect``
and ``$default`` with the selection expression ``$request.body.action``; a message whose ``action``
names no deployed route goes to ``$default``.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice import Chalice, Response
from chalice.local import LambdaContext

log = logging.getLogger("localcloud.ws")

API_ID = "localws001"
STAGE = "api"
RESERVED_ROUTES = ("$connect", "$disconnect", "$default")


def new_connection_id() -> str:
    """Shaped like API Gateway's (``L0SM9cOFvHcCIhw=``): 10 random bytes, base64."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def _request_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


@dataclass
class Peer:
    """What API Gateway knows about a connection and puts in every event's request context."""

    connection_id: str
    domain_name: str
    source_ip: str
    user_agent: str
    connected_at_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def context(self, route_key: str, event_type: str, **extra: Any) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": STAGE,
            "connectedAt": self.connected_at_ms,
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": self.source_ip, "userAgent": self.user_agent},
            "requestId": uuid.uuid4().hex[:16],
            "domainName": self.domain_name,
            "connectionId": self.connection_id,
            "apiId": API_ID,
            **extra,
        }


def connect_event(peer: Peer, headers: dict[str, list[str]], query: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "headers": {name: values[-1] for name, values in headers.items()},
        "multiValueHeaders": headers,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "requestContext": peer.context("$connect", "CONNECT"),
        "isBase64Encoded": False,
    }


def message_event(peer: Peer, route_key: str, data: str | bytes) -> dict[str, Any]:
    binary = isinstance(data, bytes)
    return {
        "requestContext": peer.context(route_key, "MESSAGE", messageId=uuid.uuid4().hex[:16]),
        "body": base64.b64encode(data).decode() if binary else data,
        "isBase64Encoded": binary,
    }


def disconnect_event(peer: Peer, status_code: int, reason: str) -> dict[str, Any]:
    return {
        "headers": {"Host": peer.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""},
        "multiValueHeaders": {"Host": [peer.domain_name]},
        "requestContext": peer.context(
            "$disconnect", "DISCONNECT", disconnectStatusCode=status_code, disconnectReason=reason
        ),
        "isBase64Encoded": False,
    }


def select_route(app: Chalice, data: str | bytes) -> str | None:
    """The route key ``$request.body.action`` selects, ``$default`` otherwise; None when nothing is deployed."""
    action = None
    if isinstance(data, str):
        try:
            body = json.loads(data)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("action"), str):
            action = body["action"]
    if action and action not in RESERVED_ROUTES and action in app.websocket_handlers:
        return action
    return "$default" if "$default" in app.websocket_handlers else None


def invoke(app: Chalice, route_key: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run the route's Lambda handler as Lambda would; an exception is API Gateway's 500."""
    config = app.websocket_handlers.get(route_key)
    if config is None:
        return {"statusCode": 200}
    handler = app.handler_map[config.name]
    context = LambdaContext(function_name=config.name, memory_size=512, max_runtime_ms=60_000)
    try:
        result = handler(event, context)
    except Exception:
        log.exception("WebSocket handler %s failed", config.name)
        return {"statusCode": 500}
    if isinstance(result, Response):
        result = result.to_dict()
    if not isinstance(result, dict):
        return {"statusCode": 200}
    return {"statusCode": 200, **result}


def succeeded(result: dict[str, Any]) -> bool:
    return 200 <= int(result.get("statusCode", 200)) < 300
