"""Tables of the surge room: requests waiting in a screening's line, and each line's counters.

- ``seat_requests``: hash ``request_id``. Put when a request joins the line (``request_is_new``: a double
  click is one request); its decision is written by the consumer after the line's count moved past it (``line_is_at``).
  ``purge_at`` (TTL, a week) is garbage collection.
- ``surge_lines``: hash ``key``, so that every counter is a partition of its own (a partition takes 1,000
  writes/s; items sharing a hash key share one): ``<screening>`` (the decided count, the last batch counted and
  the automatic surge's end), ``<screening>#arrivals#0`` .. ``#9`` (sharded: each takes a tenth of a rush;
  docs/surge.md) and ``<screening>#attempts#<epoch second>`` (direct hold attempts of that second).
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.adapters.dynamodb.base import CinemaModel


class SeatRequestItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "seat_requests"

    request_id = UnicodeAttribute(hash_key=True)
    screening_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    # PynamoDB types `of=` as the element's type rather than its attribute class: hence the ignore.
    seat_ids = ListAttribute[str](of=UnicodeAttribute)  # type: ignore[arg-type]
    enqueued_at_ms = NumberAttribute()
    arrival = NumberAttribute()
    # queued | succeeded | failed
    status = UnicodeAttribute(default="queued")
    ordinal = NumberAttribute(null=True)
    decided_at_ms = NumberAttribute(null=True)
    reservation_id = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    error_details = UnicodeAttribute(null=True)  # JSON: the details and, for seats_unavailable, alternatives
    purge_at = TTLAttribute(null=True)


class SurgeLineItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "surge_lines"

    key = UnicodeAttribute(hash_key=True)
    tally = NumberAttribute(default=0)
    surge_until_ms = NumberAttribute(null=True)
    last_batch_first = UnicodeAttribute(null=True)
    last_batch_count = NumberAttribute(null=True)
    purge_at = TTLAttribute(null=True)


MODELS = [SeatRequestItem, SurgeLineItem]
