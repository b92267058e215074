"""Tables of the realtime room: open WebSocket connections, what each watches, and each screening's feed.

- ``connections``: hash ``connection_id``. Written by ``$connect``, deleted by ``$disconnect`` or when a
  post to it answers 410 Gone. ``screenings`` lists what it watches, so a disconnect finds its
  subscriptions without an index. ``purge_at`` (TTL, 2 h 10 min: API Gateway closes a connection after
  2 h) is garbage collection for connections whose ``$disconnect`` never ran, never correctness.
  ``joins``, ``snapshot_second`` and ``snapshots`` are the abuse caps' counters (conditional updates).
  ``by_user`` (sparse: anonymous connections carry no ``user_id``) finds a user's own connections.
- ``subscriptions``: hash ``screening_id``, range ``connection_id``: the fan-out of a seat change is one
  Query by screening. One screening's watchers share a partition: 1,000 joins/s and 3,000 reads/s per
  screening, far above one theater's audience.
- ``seat_feeds``: hash ``screening_id``: the screening's ``seq``, advanced by one per message sent, and
  the stream record that message was for (``last_record``), so a retried batch reuses its seq.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.adapters.dynamodb.base import CinemaModel


class ByUserIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)


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
    by_user = ByUserIndex()


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


MODELS = [ConnectionItem, SubscriptionItem, SeatFeedItem]
