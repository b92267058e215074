"""Tables of the realtime room: open WebSocket connections, what each watches, and each screening's feed.

- ``connections``: hash ``connection_id``. Written by ``$connect``, deleted by ``$disconnect`` or when a
  post to it answers 410 Gone. ``screenings`` lists what it watches, so a disconnect finds its
  subscriptions without an index. ``purge_at`` (TTL, 2 h 10 min: API Gateway closes a connection after
  2 h) is garbage collection for connections whose ``$disconnect`` never ran, never correctness.
  ``joins``, ``snapshot_second`` and ``snapshots`` are the abuse caps' counters (conditional updates).
- ``user_connections``: hash ``user_id``: the open connections a signed-in user opened (``connection_ids``),
  added by ``$connect`` and taken out by ``$disconnect`` or a 410. The per-user messages of a batch (its holders,
  a line's decided requesters) look up every user in one BatchGetItem. ``purge_at`` (TTL) is moved on by each
  connect: past it, every connection listed was closed by API Gateway long ago.
- ``subscriptions``: hash ``screening_id``, range ``connection_id``: the fan-out of a seat change is one
  Query by screening. One screening's watchers share a partition: 1,000 joins/s and 3,000 reads/s per
  screening, far above one theater's audience.
- ``seat_feeds``: hash ``screening_id``: the screening's ``seq``, advanced by one per message sent, and
  the stream record that message was for (``last_record``), so a retried batch reuses its seq.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UnicodeSetAttribute

from chalicelib.adapters.dynamodb.base import CinemaModel


class ConnectionItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "connections"

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(null=True)  # None: an anonymous viewer of the seat map
    connected_at_ms = NumberAttribute()
    screenings = UnicodeSetAttribute(null=True)
    joins = NumberAttribute(null=True)
    snapshot_second = NumberAttribute(null=True)
    snapshots = NumberAttribute(null=True)
    purge_at = TTLAttribute()


class UserConnectionsItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "user_connections"

    user_id = UnicodeAttribute(hash_key=True)
    connection_ids = UnicodeSetAttribute(null=True)  # DynamoDB drops an emptied set
    purge_at = TTLAttribute()


class SubscriptionItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "subscriptions"

    screening_id = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)
    subscribed_at_ms = NumberAttribute()
    purge_at = TTLAttribute()


class SeatFeedItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "seat_feeds"

    screening_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(default=0)
    last_record = UnicodeAttribute(null=True)


MODELS = [ConnectionItem, UserConnectionsItem, SubscriptionItem, SeatFeedItem]
