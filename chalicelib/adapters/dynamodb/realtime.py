"""Connections, subscriptions and each screening's message counter on DynamoDB (`ConnectionStore`, `SeatFeeds`).

A subscription is written in two items: the ``subscriptions`` row the fan-out queries, then the
connection's ``screenings`` set, conditioned on `connection_is_open & (already_watching | below_limit)`.
If that condition fails the row is deleted again. A disconnect deletes the connection first and
returns what it watched (ALL_OLD), then takes it out of its user's list (``user_connections``) and deletes
those rows. In every interleaving of a join with a disconnect, no subscription row outlives its connection.

A join is counted first, in one conditional update of the connection (`joins_below`, and
`new_snapshot_second` or `snapshot_slot_left`): past a cap nothing is counted and nothing is read.
A screening's seq is advanced by one conditional update per message (`not_counted_yet`): a retried batch
finds its own record there and reuses the seq it was given.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition, size

from chalicelib.adapters.dynamodb.base import condition_failed
from chalicelib.adapters.dynamodb.models.realtime import (
    ConnectionItem,
    SeatFeedItem,
    SubscriptionItem,
    UserConnectionsItem,
)
from chalicelib.domain.clock import from_epoch_ms
from chalicelib.domain.errors import Conflict, NotFound, RateLimited
from chalicelib.services.realtime import Connection, JoinLimits


def connection_is_open() -> Condition:
    return ConnectionItem.connection_id.exists()


def already_watching(screening_id: str) -> Condition:
    return ConnectionItem.screenings.contains(screening_id)


def below_limit(limit: int) -> Condition:
    return ConnectionItem.screenings.does_not_exist() | (size(ConnectionItem.screenings) < limit)


def joins_below(limit: int) -> Condition:
    return ConnectionItem.joins.does_not_exist() | (ConnectionItem.joins < limit)


def new_snapshot_second(second: int) -> Condition:
    """No snapshot was sent to this connection in this second yet."""
    return ConnectionItem.snapshot_second.does_not_exist() | (ConnectionItem.snapshot_second != second)


def snapshot_slot_left(second: int, limit: int) -> Condition:
    return (ConnectionItem.snapshot_second == second) & (ConnectionItem.snapshots < limit)


def not_counted_yet(record_id: str) -> Condition:
    """The screening's last message was for another stream record: this batch gets the next seq."""
    return SeatFeedItem.last_record.does_not_exist() | (SeatFeedItem.last_record != record_id)


class DynamoConnections:
    def add(self, connection: Connection, purge_at_ms: int) -> None:
        """The connection, then its place in its user's list (API Gateway runs ``$disconnect`` only after
        ``$connect`` returned, so a disconnect always finds both)."""
        ConnectionItem(
            connection.connection_id,
            user_id=connection.user_id,
            connected_at_ms=connection.connected_at_ms,
            purge_at=from_epoch_ms(purge_at_ms),
        ).save()
        if connection.user_id is not None:
            UserConnectionsItem(connection.user_id).update(
                actions=[
                    UserConnectionsItem.connection_ids.add({connection.connection_id}),
                    UserConnectionsItem.purge_at.set(from_epoch_ms(purge_at_ms)),
                ]
            )

    def get(self, connection_id: str) -> Connection | None:
        item = self._item(connection_id)
        return _connection(item) if item is not None else None

    def remove(self, connection_id: str) -> Connection | None:
        answer = ConnectionItem._get_connection().delete_item(connection_id, return_values="ALL_OLD")
        if "Attributes" not in answer:
            return None
        item = ConnectionItem.from_raw_data(answer["Attributes"])
        if item.user_id is not None:
            UserConnectionsItem(item.user_id).update(
                actions=[UserConnectionsItem.connection_ids.delete({connection_id})]
            )
        with SubscriptionItem.batch_write() as batch:
            for screening_id in item.screenings or ():
                batch.delete(SubscriptionItem(screening_id, connection_id))
        return _connection(item)

    def count_join(self, connection_id: str, second: int, limits: JoinLimits) -> None:
        item = ConnectionItem(connection_id)
        open_with_joins_left = connection_is_open() & joins_below(limits.joins)
        try:
            item.update(
                actions=[
                    ConnectionItem.joins.add(1),
                    ConnectionItem.snapshot_second.set(second),
                    ConnectionItem.snapshots.set(1),
                ],
                condition=open_with_joins_left & new_snapshot_second(second),
            )
            return
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        try:
            item.update(
                actions=[ConnectionItem.joins.add(1), ConnectionItem.snapshots.add(1)],
                condition=open_with_joins_left & snapshot_slot_left(second, limits.snapshots_per_second),
            )
            return
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            refused = exc
        current = self._item(connection_id)
        if current is None:
            raise NotFound("connection_not_found", "This connection is closed.") from refused
        if current.joins is not None and int(current.joins) >= limits.joins:
            raise Conflict(
                "too_many_joins", f"A connection can join at most {limits.joins} times: open a new connection."
            ) from refused
        raise RateLimited(
            1,
            f"At most {limits.snapshots_per_second} snapshots a second per connection.",
            code="too_many_snapshots",
        ) from refused

    @staticmethod
    def _item(connection_id: str) -> ConnectionItem | None:
        try:
            return ConnectionItem.get(connection_id, consistent_read=True)
        except DoesNotExist:
            return None

    def subscribe(self, connection_id: str, screening_id: str, now_ms: int, purge_at_ms: int, limit: int) -> None:
        row = SubscriptionItem(
            screening_id, connection_id, subscribed_at_ms=now_ms, purge_at=from_epoch_ms(purge_at_ms)
        )
        row.save()
        try:
            ConnectionItem(connection_id).update(
                actions=[ConnectionItem.screenings.add({screening_id})],
                condition=connection_is_open() & (already_watching(screening_id) | below_limit(limit)),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            row.delete()
            if self.get(connection_id) is None:
                raise NotFound("connection_not_found", "This connection is closed.") from exc
            raise Conflict(
                "too_many_screenings", f"A connection can watch at most {limit} screenings: leave one first."
            ) from exc

    def unsubscribe(self, connection_id: str, screening_id: str) -> None:
        try:
            ConnectionItem(connection_id).update(
                actions=[ConnectionItem.screenings.delete({screening_id})], condition=connection_is_open()
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        SubscriptionItem(screening_id, connection_id).delete()

    def watchers(self, screening_id: str) -> list[str]:
        """The connections watching a screening: one strongly consistent Query (paginated by PynamoDB).

        Consistent, so a join whose subscription was written before a change's seq was advanced is listed.
        """
        rows = SubscriptionItem.query(screening_id, attributes_to_get=["connection_id"], consistent_read=True)
        return [row.connection_id for row in rows]

    def of_users(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """One BatchGetItem per 100 users (eventually consistent: a connection opened this very moment may
        miss one message about its own hold, which its seat map shows anyway). Users without one are left out."""
        items = UserConnectionsItem.batch_get(
            list(dict.fromkeys(user_ids)), attributes_to_get=["user_id", "connection_ids"]
        )
        return {item.user_id: sorted(item.connection_ids) for item in items if item.connection_ids}


class DynamoSeatFeeds:
    def current(self, screening_id: str) -> int:
        try:
            return int(SeatFeedItem.get(screening_id, consistent_read=True, attributes_to_get=["seq"]).seq or 0)
        except DoesNotExist:
            return 0

    def advance(self, screening_id: str, record_id: str) -> int:
        """One conditional UpdateItem (1 write unit); on a retried batch, plus one strongly consistent read."""
        try:
            item = SeatFeedItem(screening_id)
            item.update(
                actions=[SeatFeedItem.seq.add(1), SeatFeedItem.last_record.set(record_id)],
                condition=not_counted_yet(record_id),
            )
            return int(item.seq)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        return self.current(screening_id)


def _connection(item: ConnectionItem) -> Connection:
    return Connection(
        connection_id=item.connection_id,
        user_id=item.user_id,
        connected_at_ms=int(item.connected_at_ms),
        screenings=frozenset(item.screenings or ()),
    )
