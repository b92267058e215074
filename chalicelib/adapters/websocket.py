"""Messages to WebSocket clients through API Gateway's ``@connections`` management API (`Notifier`).

The same code runs in AWS and in the local cloud: a boto3 ``apigatewaymanagementapi`` client whose
endpoint is ``Settings.ws_management_url`` (the local gateway serves the same API), or, when unset,
``https://{domainName}/{stage}`` of the WebSocket event being handled. A post to a connection that is
gone (410 ``GoneException``) forgets the connection and its subscriptions and reports False.

Fan-out (`send_many`) encodes a message once and posts it from a thread pool of `FANOUT_THREADS` on the
one shared client, whose HTTP connection pool is sized for those threads (``max_pool_connections``,
`bootstrap`): without it botocore keeps 10 connections and the rest of the threads open and drop one per
post. A post that fails for another reason than 410 is logged and counted as not delivered: the watcher
sees a gap in ``seq`` at its next message and resyncs, and one bad connection never holds up the rest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.logs import logger
from chalicelib.services.realtime import ConnectionStore

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message limit
FANOUT_THREADS = 32


class ApiGatewayNotifier:
    def __init__(self, client_for: Callable[[str], Any], endpoint_url: str | None, connections: ConnectionStore):
        self._client_for = client_for
        self._endpoint_url = endpoint_url
        self._connections = connections
        self._client: Any = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def use_endpoint_if_unset(self, endpoint_url: str) -> None:
        """Where the configuration names no endpoint, post back through the API the event came from."""
        if self._endpoint_url is None:
            self._endpoint_url = endpoint_url

    def _management(self) -> Any:
        with self._lock:
            if self._client is None:
                if self._endpoint_url is None:
                    raise DependencyUnavailable(
                        "websocket_endpoint_unknown", "WS_MANAGEMENT_URL is not set and no WebSocket event named one."
                    )
                self._client = self._client_for(self._endpoint_url)
            return self._client

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        return self._post(connection_id, encode(message))

    def send_many(self, connection_ids: Sequence[str], message: dict[str, Any]) -> int:
        data = encode(message)
        return self._post_all([(connection_id, data) for connection_id in connection_ids])

    def send_each(self, posts: Sequence[tuple[str, dict[str, Any]]]) -> int:
        return self._post_all([(connection_id, encode(message)) for connection_id, message in posts])

    def _post_all(self, posts: list[tuple[str, bytes]]) -> int:
        if len(posts) == 1:
            return int(self._post_quietly(*posts[0]))
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(FANOUT_THREADS, thread_name_prefix="fanout")
            pool = self._pool
        return sum(pool.map(lambda post: self._post_quietly(*post), posts))

    def _post_quietly(self, connection_id: str, data: bytes) -> bool:
        try:
            return self._post(connection_id, data)
        except DependencyUnavailable:
            logger.warning("websocket post failed", extra={"connection_id": connection_id}, exc_info=True)
            return False

    def _post(self, connection_id: str, data: bytes) -> bool:
        client = self._management()
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        except client.exceptions.GoneException:
            self._connections.remove(connection_id)
            logger.info("websocket connection gone", extra={"connection_id": connection_id})
            return False
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(
                "websocket_unavailable", "The WebSocket API did not accept the message."
            ) from exc
        return True


def encode(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE_BYTES:
        raise ValueError(f"a WebSocket message is limited to {MAX_MESSAGE_BYTES} bytes, this one has {len(data)}")
    return data
