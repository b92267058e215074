"""Connections and subscriptions on DynamoDB (`ConnectionStore`).

A subscription is written in two items: the ``subscriptions`` row the fan-out queries, then the
connection's ``screenings`` set, conditioned on `connection_is_open & (already_watching | below_limit)`.
If that condition fails the row is deleted again. A disconnect deletes the connection first and
returns what it watched (ALL_OLD), then deletes those rows. In every interleaving of a join with a
disconnect, no subscription row outlives its connection.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition, size

from chalicelib.adapters.dynamodb.base import condition_failed
from chalicelib.adapters.dynamodb.models.realtime import ConnectionItem, SubscriptionItem
from chalicelib.domain.clock import from_epoch_ms
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.services.realtime import Connection


def connection_is_open() -> Condition:
    return ConnectionItem.connection_id.exists()


def already_watching(screening_id: str) -> Condition:
    return ConnectionItem.screenings.contains(screening_id)


def below_limit(limit: int) -> Condition:
    return ConnectionItem.screenings.does_not_exist() | (size(ConnectionItem.screenings) < limit)


class DynamoConnections:
    def add(self, connection: Connection, purge_at_ms: int) -> None:
        ConnectionItem(
            connection.connection_id,
            user_id=connection.user_id,
            connected_at_ms=connection.connected_at_ms,
            purge_at=from_epoch_ms(purge_at_ms),
        ).save()

    def get(self, connection_id: str) -> Connection | None:
        try:
            item = ConnectionItem.get(connection_id, consistent_read=True)
        except DoesNotExist:
            return None
        return _connection(item)

    def remove(self, connection_id: str) -> Connection | None:
        answer = ConnectionItem._get_connection().delete_item(connection_id, return_values="ALL_OLD")
        if "Attributes" not in answer:
            return None
        item = ConnectionItem.from_raw_data(answer["Attributes"])
        with SubscriptionItem.batch_write() as batch:
            for screening_id in item.screenings or ():
                batch.delete(SubscriptionItem(screening_id, connection_id))
        return _connection(item)

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
        """The connections watching a screening: one Query (paginated by PynamoDB)."""
        return [row.connection_id for row in SubscriptionItem.query(screening_id, attributes_to_get=["connection_id"])]


def _connection(item: ConnectionItem) -> Connection:
    return Connection(
        connection_id=item.connection_id,
        user_id=item.user_id,
        connected_at_ms=int(item.connected_at_ms),
        screenings=frozenset(item.screenings or ()),
    )
