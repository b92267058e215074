"""Real-time seat maps over WebSocket: who is connected, what each connection watches, what it is told.

Called by the WebSocket routes (``$connect``, ``$disconnect``, ``$default``) and by the seat table's
change stream (`seat_changes`). A client's mistake is answered on its own connection as
``{"type": "error", "code", "message"}`` and the connection stays open.

Ordering, and why a watcher's map is exact (docs/realtime.md, "No change lost"):
- a change's message is sent after its screening's ``seq`` is advanced, to the watchers listed after that;
- a join subscribes first, then reads ``seq``, then the seats; the snapshot carries that ``seq``;
- so a change with a seq above the snapshot's reaches the new watcher, and one at or below it is in the
  snapshot already: the client applies updates with a higher seq and resyncs on a gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.clock import Clock, epoch_ms
from chalicelib.domain.errors import BookingError, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.seat_changes import HoldSeats, ScreeningChanges, SeatChange, coalesce
from chalicelib.logs import logger

if TYPE_CHECKING:
    from chalicelib.services.booking import BookingService

# API Gateway closes a connection after 2 h; a record left by a lost $disconnect is collected after this.
CONNECTION_TTL = timedelta(hours=2, minutes=10)
MAX_SCREENINGS_PER_CONNECTION = 5
# Abuse caps: a join costs a seat query (a whole screening) and a snapshot of up to ~75 KB.
MAX_JOINS_PER_CONNECTION = 100
MAX_SNAPSHOTS_PER_SECOND = 2


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str | None
    connected_at_ms: int
    screenings: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class JoinLimits:
    joins: int = MAX_JOINS_PER_CONNECTION
    snapshots_per_second: int = MAX_SNAPSHOTS_PER_SECOND
    screenings: int = MAX_SCREENINGS_PER_CONNECTION


class ConnectionStore(Protocol):
    def add(self, connection: Connection, purge_at_ms: int) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def remove(self, connection_id: str) -> Connection | None:
        """Forget a connection and its subscriptions; the removed connection, or None if it was unknown."""
        ...

    def count_join(self, connection_id: str, second: int, limits: JoinLimits) -> None:
        """Take one join and one snapshot of this second, or raise and take nothing.

        `NotFound` (connection_not_found), `Conflict` (too_many_joins) or `RateLimited` (too_many_snapshots).
        """
        ...

    def subscribe(self, connection_id: str, screening_id: str, now_ms: int, purge_at_ms: int, limit: int) -> None:
        """Raise `NotFound` (connection_not_found) or `Conflict` (too_many_screenings) instead of subscribing."""
        ...

    def unsubscribe(self, connection_id: str, screening_id: str) -> None: ...

    def watchers(self, screening_id: str) -> list[str]: ...

    def of_users(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """The open connections of each of these users (those opened with their token): one read for all."""
        ...


class SeatFeeds(Protocol):
    """Each screening's message counter: ``seq`` rises by exactly one per message sent for it."""

    def current(self, screening_id: str) -> int:
        """The seq of the last message sent for the screening (0 before the first); a strongly consistent read."""
        ...

    def advance(self, screening_id: str, record_id: str) -> int:
        """The seq of the message for the batch ending at this stream record: the next one, or the one it
        was given already (a retried batch is sent again with the same seq, which clients discard)."""
        ...


class Notifier(Protocol):
    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Post a JSON message; False when the connection is gone (and has been forgotten)."""
        ...

    def send_many(self, connection_ids: Sequence[str], message: dict[str, Any]) -> int:
        """Post one message to many connections in parallel; how many took it (gone ones are forgotten)."""
        ...

    def send_each(self, posts: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Post each (connection, message) in parallel; how many took theirs (gone ones are forgotten)."""
        ...


class SeatMaps(Protocol):
    def exists(self, screening_id: str) -> bool:
        """Whether the screening is on sale (a cached read, not a seat query)."""
        ...

    def statuses(self, screening_id: str) -> list[dict[str, str]]:
        """Each seat's id and the status a client sees now, from a strongly consistent read."""
        ...


class Realtime:
    def __init__(
        self,
        connections: ConnectionStore,
        notifier: Notifier,
        verify_token: Callable[[str], Principal],
        clock: Clock,
        seat_maps: SeatMaps,
        feeds: SeatFeeds,
        limits: JoinLimits | None = None,
    ):
        self._connections = connections
        self._notifier = notifier
        self._verify_token = verify_token
        self._clock = clock
        self._seat_maps = seat_maps
        self._feeds = feeds
        self._limits = limits or JoinLimits()

    # --- connections ---

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
        """Subscribe, then send the seat map as a snapshot current as of the seq it carries.

        Refused, with nothing sent but the error, for an unknown screening (`screening_not_found`) and past
        a cap: `too_many_joins`, `too_many_snapshots` (per second), `too_many_screenings`.
        """
        now = self._clock.now()
        self._connections.count_join(connection_id, int(now.timestamp()), self._limits)
        if not self._seat_maps.exists(screening_id):
            raise NotFound("screening_not_found", f"No screening with id {screening_id} is on sale.")
        self._connections.subscribe(
            connection_id, screening_id, epoch_ms(now), epoch_ms(now + CONNECTION_TTL), self._limits.screenings
        )
        # After the subscription, in this order: every later seq reaches this connection, and every
        # change counted in `seq` is in the seats read next.
        seq = self._feeds.current(screening_id)
        seats = self._seat_maps.statuses(screening_id)
        self._notifier.send(
            connection_id,
            {"type": "seat_status_update", "screening_id": screening_id, "seq": seq, "snapshot": True, "seats": seats},
        )

    def leave(self, connection_id: str, screening_id: str) -> None:
        self._connections.unsubscribe(connection_id, screening_id)

    def reject(self, connection_id: str, error: BookingError) -> None:
        """Tell the client what was wrong with its message; the connection stays open."""
        logger.info("websocket message refused", extra={"connection_id": connection_id, "code": error.code})
        message: dict[str, Any] = {"type": "error", "code": error.code, "message": error.message}
        if "retry_after_seconds" in error.details:
            message["retry_after_seconds"] = error.details["retry_after_seconds"]
        self._notifier.send(connection_id, message)

    # --- what watchers and holders are told ---

    def seat_changes(self, changes: Sequence[SeatChange]) -> int:
        """Tell every watcher of each screening its changes in one message, and each holder what its holds did.

        Returns the number of posts made. Safe to call again with the same batch (a retry): the same
        seq is reused, so a client that already has it discards the repeat.
        """
        screenings = coalesce(changes)
        told = [
            (hold.user_id, _hold_message(kind, hold))
            for screening in screenings
            for kind, holds in (("seat_reserved", screening.taken), ("seat_released", screening.freed))
            for hold in holds
        ]
        posts = sum(self._tell_watchers(screening) for screening in screenings)
        return posts + self.send_to_users(told)

    def send_to_users(self, messages: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Post each (user, message) to every open connection of its user (opened with their token); how many
        posts were taken. One lookup for all the users, then the posts in parallel.

        The per-user path: ``seat_reserved`` / ``seat_released`` here, ``queue_update`` from the surge queue.
        """
        if not messages:
            return 0
        connections = self._connections.of_users([user_id for user_id, _ in messages])
        posts = [(cid, message) for user_id, message in messages for cid in connections.get(user_id, ())]
        return self._notifier.send_each(posts) if posts else 0

    def _tell_watchers(self, screening: ScreeningChanges) -> int:
        if not screening.statuses:
            return 0
        started = time.monotonic()
        seq = self._feeds.advance(screening.screening_id, screening.last_record_id)
        watchers = self._connections.watchers(screening.screening_id)
        message = {
            "type": "seat_status_update",
            "screening_id": screening.screening_id,
            "seq": seq,
            "changes": [{"seat_id": seat, "status": status} for seat, status in screening.statuses.items()],
        }
        delivered = self._notifier.send_many(watchers, message) if watchers else 0
        logger.info(
            "seat changes sent",
            extra={
                "screening_id": screening.screening_id,
                "seq": seq,
                "seats": len(screening.statuses),
                "watchers": len(watchers),
                "delivered": delivered,
                "duration_ms": round((time.monotonic() - started) * 1000),
            },
        )
        return len(watchers)


def _hold_message(kind: str, hold: HoldSeats) -> dict[str, Any]:
    return {
        "type": kind,
        "screening_id": hold.screening_id,
        "seat_ids": list(hold.seat_ids),
        "reservation_id": hold.hold_id,
    }


class BookedSeatMaps:
    """`SeatMaps` from the booking service: its cached screening layouts and its seat maps."""

    def __init__(self, booking: BookingService):
        self._booking = booking

    def exists(self, screening_id: str) -> bool:
        try:
            self._booking.screening(screening_id)
        except NotFound:
            return False
        return True

    def statuses(self, screening_id: str) -> list[dict[str, str]]:
        return [{"id": view.seat.id, "status": view.status} for view in self._booking.seat_map(screening_id).seats]
