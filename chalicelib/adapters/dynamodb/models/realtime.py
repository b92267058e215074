"""Tables of the realtime room: open WebSocket connections, and which screenings each one watches.

- ``connections``: hash ``connection_id``. Written by ``$connect``, deleted by ``$disconnect`` or when a
  post to it answers 410 Gone. ``screenings`` lists what it watches, so a disconnect finds its
  subscriptions without an index. ``purge_at`` (TTL, 2 h 10 min: API Gateway closes a connection after
  2 h) is garbage collection for connections whose ``$disconnect`` never ran, never correctness.
- ``subscriptions``: hash ``screening_id``, range ``connection_id``: the fan-out of a seat change is one
  Query by screening. One screening's watchers share a partition: 1,000 joins/s and 3,000 reads/s per
  screening, far above one theater's audience.
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
    purge_at = TTLAttribute()


class SubscriptionItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "subscriptions"

    screening_id = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)
    subscribed_at_ms = NumberAttribute()
    purge_at = TTLAttribute()


MODELS = [ConnectionItem, SubscriptionItem]
