"""Real-time seat maps over WebSocket: who is connected, what each connection watches, what it is told.

Called by the WebSocket routes (``$connect``, ``$disconnect``, ``$default``). A client's mistake is
answered on its own connection as ``{"type": "error", "code", "message"}`` and the connection stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.domain.clock import Clock, epoch_ms
from chalicelib.domain.errors import BookingError, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.logs import logger

# API Gateway closes a connection after 2 h; a record left by a lost $disconnect is collected after this.
CONNECTION_TTL = timedelta(hours=2, minutes=10)
MAX_SCREENINGS_PER_CONNECTION = 5


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str | None
    connected_at_ms: int
    screenings: frozenset[str] = field(default_factory=frozenset)


class ConnectionStore(Protocol):
    def add(self, connection: Connection, purge_at_ms: int) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def remove(self, connection_id: str) -> Connection | None:
        """Forget a connection and its subscriptions; the removed connection, or None if it was unknown."""
        ...

    def subscribe(self, connection_id: str, screening_id: str, now_ms: int, purge_at_ms: int, limit: int) -> None:
        """Raise `NotFound` (connection_not_found) or `Conflict` (too_many_screenings) instead of subscribing."""
        ...

    def unsubscribe(self, connection_id: str, screening_id: str) -> None: ...

    def watchers(self, screening_id: str) -> list[str]: ...


class Notifier(Protocol):
    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Post a JSON message; False when the connection is gone (and has been forgotten)."""
        ...


SeatStatuses = Callable[[str], tuple[int, list[dict[str, str]]]]


class Realtime:
    def __init__(
        self,
        connections: ConnectionStore,
        notifier: Notifier,
        verify_token: Callable[[str], Principal],
        clock: Clock,
        seat_statuses: SeatStatuses | None = None,
    ):
        self._connections = connections
        self._notifier = notifier
        self._verify_token = verify_token
        self._clock = clock
        self._seat_statuses = seat_statuses

    def connect(self, connection_id: str, token: str | None) -> Connection:
        """Record a new connection; an invalid token raises `Unauthorized` and nothing is recorded."""
        principal = self._verify_token(token) if token is not None else None
        now = self._clock.now()
        connection = Connection(connection_id, principal.user_id if principal else None, epoch_ms(now))
        self._connections.add(connection, epoch_ms(now + CONNECTION_TTL))
        logger.info("websocket connected", extra={"connection_id": connection_id, "user_id": connection.user_id})
        return connection

    def disconnect(self, connection_id: str) -> None:
        removed = self._connections.remove(connection_id)
        logger.info("websocket disconnected", extra={"connection_id": connection_id, "known": removed is not None})

    def join(self, connection_id: str, screening_id: str) -> None:
        """Subscribe, then send the seat map as a snapshot (`screening_not_found` if there is no such screening)."""
        seq, seats = self._snapshot(screening_id)
        now = self._clock.now()
        self._connections.subscribe(
            connection_id, screening_id, epoch_ms(now), epoch_ms(now + CONNECTION_TTL), MAX_SCREENINGS_PER_CONNECTION
        )
        self._notifier.send(
            connection_id,
            {"type": "seat_status_update", "screening_id": screening_id, "seq": seq, "snapshot": True, "seats": seats},
        )

    def leave(self, connection_id: str, screening_id: str) -> None:
        self._connections.unsubscribe(connection_id, screening_id)

    def reject(self, connection_id: str, error: BookingError) -> None:
        """Tell the client what was wrong with its message; the connection stays open."""
        logger.info("websocket message refused", extra={"connection_id": connection_id, "code": error.code})
        self._notifier.send(connection_id, {"type": "error", "code": error.code, "message": error.message})

    def _snapshot(self, screening_id: str) -> tuple[int, list[dict[str, str]]]:
        if self._seat_statuses is None:
            raise NotFound("screening_not_found", f"No screening with id {screening_id} is on sale.")
        return self._seat_statuses(screening_id)


def seat_statuses_of(seat_map: Any) -> tuple[int, list[dict[str, str]]]:
    """The snapshot of a booking `SeatMap`: ``seq`` is the highest seat version, so it only ever rises."""
    seats = [{"id": view.seat.id, "status": view.status} for view in seat_map.seats]
    return max((view.state.version for view in seat_map.seats), default=0), seats
