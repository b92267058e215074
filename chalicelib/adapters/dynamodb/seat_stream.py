"""The seat table's change stream (DynamoDB Streams, ``NEW_AND_OLD_IMAGES``) read as `SeatChange` values.

Lambda hands the handler a batch of stream records of one shard, in commit order; each carries the seat
item as it was before and after one committed write (a cancelled transaction writes no record). The
images are parsed with the booking adapter's own reader of seat items, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.adapters.dynamodb.booking import _seat_state  # the one reader of a raw seat item
from chalicelib.adapters.dynamodb.models.booking import SeatItem
from chalicelib.domain.seat_changes import SeatChange

SEQUENCE_DIGITS = 40  # stream sequence numbers have up to 40 digits: padded, they compare as strings


def seat_change(record: Any) -> SeatChange | None:
    """One record (a Chalice ``DynamoDBRecord``, or the raw dict of Lambda's event); None if it is no seat's."""
    raw = record if isinstance(record, dict) else record.to_dict()
    data = raw.get("dynamodb", {})
    keys = data.get("Keys", {})
    if SeatItem.screening_id.attr_name not in keys:
        return None
    old, new = data.get("OldImage"), data.get("NewImage")
    return SeatChange(
        screening_id=keys[SeatItem.screening_id.attr_name]["S"],
        before=_seat_state(old) if old else None,
        after=_seat_state(new) if new else None,
        record_id=str(data["SequenceNumber"]).zfill(SEQUENCE_DIGITS),
    )


def seat_changes(records: Iterable[Any]) -> list[SeatChange]:
    return [change for change in map(seat_change, records) if change is not None]
