"""The surge line on DynamoDB: requests, their decisions and each screening's counters (`SeatRequests`, `Lines`).

Named conditions:
- `request_is_new`: a request joins its line once (a double click finds the first);
- `line_is_at(decided)`: a batch moves the line's decided count from what it read, then records its decisions
  (one batch write, no condition each: the consumer read them undecided, FIFO gives a group's batches one at
  a time, and a second delivery finds them decided and decides nothing); a delivery that races another is
  refused here before it writes a decision;
- `request_is_queued`: a request that never reached the queue is taken back only while still queued;
- `surge_is_shorter(until)`: a surge is only ever lengthened by the instances that see a rush.
The admin's switch is read from the catalog's screening item in the same BatchGetItem as the line (`DynamoLines.view`).
Arrivals are counted on ten shards, each its own partition (docs/surge.md): none takes more than a tenth of a rush.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.adapters.dynamodb.base import back_off, condition_failed
from chalicelib.adapters.dynamodb.models.catalog import ScreeningItem
from chalicelib.adapters.dynamodb.models.surge import SeatRequestItem, SurgeLineItem
from chalicelib.domain.clock import from_epoch_ms
from chalicelib.domain.errors import Conflict
from chalicelib.domain.seating import Suggestion
from chalicelib.domain.surge import ARRIVAL_SHARDS, Decision, Failure, LineState, SeatRequest, StoredRequest


def _arrivals(screening_id: str, shard: int) -> str:
    return f"{screening_id}#arrivals#{shard}"


def _attempts(screening_id: str, second: int) -> str:
    return f"{screening_id}#attempts#{second}"


def _line_keys(screening_id: str) -> list[str]:
    return [screening_id, *(_arrivals(screening_id, shard) for shard in range(ARRIVAL_SHARDS))]


def _line_state(screening_id: str, items: Iterable[SurgeLineItem]) -> LineState:
    """The line from its item and its arrival shards (absent ones count 0)."""
    arrivals, line = 0, None
    for item in items:
        if item.key == screening_id:
            line = item
        else:
            arrivals += int(item.tally or 0)
    if line is None:
        return LineState(arrivals=arrivals)
    return LineState(
        decided=int(line.tally or 0),
        arrivals=arrivals,
        surge_until_ms=int(line.surge_until_ms or 0),
        last_batch_first=line.last_batch_first,
        last_batch_count=int(line.last_batch_count or 0),
    )


ATTEMPTS_KEPT_MS = 24 * 3600 * 1000


def _keys(attribute: str, values: Iterable[str]) -> list[dict[str, dict[str, str]]]:
    return [{attribute: {"S": value}} for value in values]


def _batch_get(wanted: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One BatchGetItem over several tables (its unprocessed keys asked again): each table's raw items."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in wanted}
    client = SurgeLineItem._get_connection().connection.client
    attempt = 0
    while True:
        answer = client.batch_get_item(RequestItems=wanted)
        for table, items in answer["Responses"].items():
            found[table].extend(items)
        wanted = answer.get("UnprocessedKeys") or {}
        if not wanted:
            return found
        back_off(attempt)
        attempt += 1


# --- named conditions -----------------------------------------------------------------------------------


def request_is_new() -> Condition:
    return SeatRequestItem.request_id.does_not_exist()


def request_is_queued() -> Condition:
    return SeatRequestItem.status == "queued"


def line_is_at(decided: int) -> Condition:
    """The line has decided exactly this many requests (a line never counted counts as 0)."""
    at = SurgeLineItem.tally == decided
    return (SurgeLineItem.tally.does_not_exist() | at) if decided == 0 else at


def surge_is_shorter(until_ms: int) -> Condition:
    return SurgeLineItem.surge_until_ms.does_not_exist() | (SurgeLineItem.surge_until_ms < until_ms)


# --- mapping ----------------------------------------------------------------------------------------------


def _stored(item: SeatRequestItem) -> StoredRequest:
    request = SeatRequest(
        request_id=item.request_id,
        screening_id=item.screening_id,
        user_id=item.user_id,
        seat_ids=tuple(item.seat_ids),
        enqueued_at_ms=int(item.enqueued_at_ms),
        arrival=int(item.arrival),
    )
    if item.status == "queued":
        return StoredRequest(request, "queued")
    failure = None
    if item.error_code:
        extra = json.loads(item.error_details or "{}")
        alternatives = tuple(
            Suggestion(**{**s, "seat_ids": tuple(s["seat_ids"]), "reasons": tuple(s["reasons"])})
            for s in extra.get("alternatives", [])
        )
        failure = Failure(item.error_code, item.error_message or "", extra.get("details", {}), alternatives)
    decision = Decision(
        request_id=item.request_id,
        status="succeeded" if item.status == "succeeded" else "failed",
        ordinal=int(item.ordinal or 0),
        decided_at_ms=int(item.decided_at_ms or 0),
        reservation_id=item.reservation_id,
        failure=failure,
    )
    return StoredRequest(request, decision.status, decision)


def _request_item(request: SeatRequest, purge_at_ms: int, decision: Decision | None = None) -> SeatRequestItem:
    """The request's item: queued, or with its decision."""
    failure = decision.failure if decision else None
    extra = (
        {"details": dict(failure.details), "alternatives": [asdict(s) for s in failure.alternatives]} if failure else {}
    )
    return SeatRequestItem(
        request.request_id,
        screening_id=request.screening_id,
        user_id=request.user_id,
        seat_ids=list(request.seat_ids),
        enqueued_at_ms=request.enqueued_at_ms,
        arrival=request.arrival,
        status=decision.status if decision else "queued",
        ordinal=decision.ordinal if decision else None,
        decided_at_ms=decision.decided_at_ms if decision else None,
        reservation_id=decision.reservation_id if decision else None,
        error_code=failure.code if failure else None,
        error_message=failure.message if failure else None,
        error_details=json.dumps(extra, separators=(",", ":")) if failure else None,
        purge_at=from_epoch_ms(purge_at_ms),
    )


class DynamoSeatRequests:
    def add(self, request: SeatRequest, purge_at_ms: int) -> bool:
        item = _request_item(request, purge_at_ms)
        try:
            item.save(condition=request_is_new())
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def get(self, request_id: str) -> StoredRequest | None:
        try:
            return _stored(SeatRequestItem.get(request_id, consistent_read=True))
        except SeatRequestItem.DoesNotExist:
            return None

    def forget(self, request_id: str) -> None:
        SeatRequestItem(request_id).delete(condition=request_is_queued())


class DynamoLines:
    def state(self, screening_id: str, consistent: bool = False) -> LineState:
        """One BatchGetItem: the line's item and its arrival shards."""
        return _line_state(screening_id, SurgeLineItem.batch_get(_line_keys(screening_id), consistent_read=consistent))

    def view(self, screening_id: str) -> tuple[bool, LineState]:
        """One BatchGetItem over both tables: the admin's switch (the catalog's screening item) and the line."""
        lines, screenings = SurgeLineItem.Meta.table_name, ScreeningItem.Meta.table_name
        found = _batch_get(
            {
                lines: {"Keys": _keys(SurgeLineItem.key.attr_name, _line_keys(screening_id))},
                screenings: {
                    "Keys": _keys(ScreeningItem.id.attr_name, [screening_id]),
                    "ProjectionExpression": ScreeningItem.queue_mode.attr_name,
                },
            }
        )
        admin = any(ScreeningItem.from_raw_data(raw).queue_mode for raw in found[screenings])
        return admin, _line_state(screening_id, (SurgeLineItem.from_raw_data(raw) for raw in found[lines]))

    def for_batch(self, screening_id: str, request_ids: Sequence[str]) -> tuple[LineState, dict[str, StoredRequest]]:
        """One strongly consistent BatchGetItem over both tables: the line and the batch's stored requests."""
        lines, requests = SurgeLineItem.Meta.table_name, SeatRequestItem.Meta.table_name
        found = _batch_get(
            {
                lines: {"Keys": _keys(SurgeLineItem.key.attr_name, _line_keys(screening_id)), "ConsistentRead": True},
                requests: {
                    "Keys": _keys(SeatRequestItem.request_id.attr_name, list(dict.fromkeys(request_ids))),
                    "ConsistentRead": True,
                },
            }
        )
        line = _line_state(screening_id, (SurgeLineItem.from_raw_data(raw) for raw in found[lines]))
        stored = (_stored(SeatRequestItem.from_raw_data(raw)) for raw in found[requests])
        return line, {request.request.request_id: request for request in stored}

    def add_arrivals(self, screening_id: str, shard: int, count: int) -> None:
        SurgeLineItem(_arrivals(screening_id, shard)).update(actions=[SurgeLineItem.tally.add(count)])

    def count_attempts(self, screening_id: str, second: int, count: int) -> int:
        item = SurgeLineItem(_attempts(screening_id, second))
        item.update(
            actions=[
                SurgeLineItem.tally.add(count),
                SurgeLineItem.purge_at.set(from_epoch_ms(second * 1000 + ATTEMPTS_KEPT_MS)),
            ]
        )
        return int(item.tally)

    def surge_until(self, screening_id: str, until_ms: int) -> None:
        try:
            SurgeLineItem(screening_id).update(
                actions=[SurgeLineItem.surge_until_ms.set(until_ms)], condition=surge_is_shorter(until_ms)
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise  # refused: someone already made the surge last longer

    def end_surge(self, screening_id: str) -> None:
        SurgeLineItem(screening_id).update(actions=[SurgeLineItem.surge_until_ms.set(0)])

    def decide(
        self,
        screening_id: str,
        seen: LineState,
        decided_after: int,
        decided: Sequence[tuple[SeatRequest, Decision]],
        purge_at_ms: int,
    ) -> None:
        if not decided:
            return
        first_request, first_decision = decided[0]
        try:
            SurgeLineItem(screening_id).update(
                actions=[
                    SurgeLineItem.tally.set(decided_after),
                    SurgeLineItem.last_batch_first.set(first_request.request_id),
                    SurgeLineItem.last_batch_count.set(decided_after - first_decision.ordinal),
                ],
                condition=line_is_at(seen.decided),
            )
        except UpdateError as error:
            if condition_failed(error):
                message = "This batch was decided by another delivery; it is tried again."
                raise Conflict("line_moved", message) from error
            raise
        with SeatRequestItem.batch_write() as batch:
            for request, decision in decided:
                batch.save(_request_item(request, purge_at_ms, decision))
