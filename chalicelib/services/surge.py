"""Surge mode: hold requests for a mobbed screening wait in a fair line and are decided a batch at a time.

`SurgeService.reserve` is the one entry of ``POST /api/seat-reservations``: the direct hold when the
screening is calm, a queued request (202) when it is in queue mode (switched by an admin, or on its own
when hold attempts pass ``SURGE_RATE_PER_SECOND``). `decide` is the FIFO consumer's: it runs the booking
service's own hold (one service, the same conditions) for the winners only. See docs/surge.md.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from chalicelib.domain.catalog import Screening
from chalicelib.domain.clock import Clock, epoch_ms
from chalicelib.domain.errors import BookingError, DependencyUnavailable, NotFound, SeatsUnavailable
from chalicelib.domain.identity import Principal
from chalicelib.domain.reservations import Reservation
from chalicelib.domain.surge import (
    BatchMap,
    Decision,
    Failure,
    LineState,
    RateMeter,
    SeatRequest,
    StoredRequest,
    arrival_shard,
    position,
    request_id_for,
)
from chalicelib.logs import logger
from chalicelib.services.booking import BookingService

PURGE_AFTER_MS = 7 * 24 * 3600 * 1000  # request records are garbage-collected by TTL a week later
SEAT_MAP_MAX_AGE_MS = 1000  # the consumer reads a screening's seats at most once a second (`_batch_map`)
ARRIVALS_FLUSH_MS = 200
"""An instance adds its arrivals to the stored counters at most this often: a rush costs each instance about
five counter writes a second, not one per request. Positions are estimates either way (docs/surge.md)."""


class SeatRequests(Protocol):
    """Requests in a line and their decisions. A decision is recorded once (`Lines.decide`)."""

    def add(self, request: SeatRequest, purge_at_ms: int) -> bool:
        """Store a new queued request; False (nothing written) when a request with its id exists."""
        ...

    def get(self, request_id: str) -> StoredRequest | None: ...

    def forget(self, request_id: str) -> None:
        """Remove a queued request that never reached the queue."""
        ...


class Lines(Protocol):
    """Each screening's line: sharded arrival counters, the decided count, the automatic surge, attempt rates."""

    def state(self, screening_id: str, consistent: bool = False) -> LineState: ...

    def view(self, screening_id: str) -> tuple[bool, LineState]:
        """Whether an admin switched queue mode on (``PATCH /api/screenings/{id}``), and the line: one read."""
        ...

    def for_batch(self, screening_id: str, request_ids: Sequence[str]) -> tuple[LineState, dict[str, StoredRequest]]:
        """The line and the stored requests among these ids: one strongly consistent read of both."""
        ...

    def add_arrivals(self, screening_id: str, shard: int, count: int) -> None:
        """Add arrivals to one of the screening's arrival shards."""
        ...

    def count_attempts(self, screening_id: str, second: int, count: int) -> int:
        """Add direct hold attempts of one second; the second's new total across instances."""
        ...

    def surge_until(self, screening_id: str, until_ms: int) -> None:
        """Keep the screening in queue mode until then (never shortens a surge)."""
        ...

    def end_surge(self, screening_id: str) -> None: ...

    def decide(
        self,
        screening_id: str,
        seen: LineState,
        decided_after: int,
        decided: Sequence[tuple[SeatRequest, Decision]],
        purge_at_ms: int,
    ) -> None:
        """Advance the decided count from what `seen` read to `decided_after`, then record the decisions.

        `Conflict` ``line_moved`` and nothing written when the count is no longer what `seen` read (another
        delivery got there first; the batch is tried again). The count names the batch's first request, so
        a delivery that died between the two writes is recognised (`LineState.first_ordinal_of`).
        """
        ...


class RequestQueue(Protocol):
    def enqueue(self, request: SeatRequest) -> None:
        """Put the request at the end of its screening's line; `DependencyUnavailable` when the queue refused."""
        ...


class QueueUpdates(Protocol):
    def send_all(self, updates: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Tell each user's open WebSocket connections its message (best effort; users are told in parallel)."""
        ...


class Screenings(Protocol):
    """The catalog's screenings (`chalicelib.services.catalog.Catalog`): the screening and its free seat count."""

    def screening(self, screening_id: str) -> tuple[Screening, int]: ...

    def set_queue_mode(self, principal: Principal, screening_id: str, queue_mode: bool) -> tuple[Screening, int]: ...


@dataclass(frozen=True)
class SurgePolicy:
    rate_per_second: int = 50
    """Direct hold attempts per second on one screening above which it switches to queue mode."""
    calm_seconds: int = 30
    """Queue mode lasts this long after the last busy second or the last decided batch."""
    max_wait_seconds: int = 120
    """A request not decided within this is answered ``request_expired``."""
    mode_cache_seconds: float = 1.0
    """How old this instance's view of a screening's mode and line may be."""


@dataclass(frozen=True)
class RequestView:
    """A request as its requester sees it: ``position`` is 0 once decided."""

    stored: StoredRequest
    position: int
    reservation: Reservation | None = None


@dataclass
class _Seen:
    """This instance's view of a screening: its mode and line as read at `at_ms`, and its own arrivals since."""

    at_ms: int
    admin: bool
    line: LineState
    arrived_since: int = 0
    """Arrivals through this instance that `line` does not count."""
    unflushed: int = 0
    """Arrivals through this instance not yet added to the stored counters."""
    flushed_at_ms: int = 0


@dataclass(eq=False)
class SurgeService:
    booking: BookingService
    requests: SeatRequests
    lines: Lines
    queue: RequestQueue
    updates: QueueUpdates
    screenings: Screenings
    clock: Clock
    policy: SurgePolicy = field(default_factory=SurgePolicy)
    _seen: dict[str, _Seen] = field(default_factory=dict, init=False, repr=False)
    _maps: dict[str, tuple[int, BatchMap]] = field(default_factory=dict, init=False, repr=False)
    _reading: set[str] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _meter: RateMeter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._meter = RateMeter(flush_at=self.policy.rate_per_second + 1)

    # --- the front door ---

    def reserve(self, principal: Principal, screening_id: str, seat_ids: Sequence[str]) -> Reservation | RequestView:
        """A hold now (calm), or a place in the line (queue mode)."""
        now_ms = epoch_ms(self.clock.now())
        if not self.in_queue_mode(screening_id):
            self._count_attempt(screening_id, now_ms)
            return self.booking.hold_seats(principal, screening_id, seat_ids)
        return self._enqueue(principal, screening_id, seat_ids, now_ms)

    def in_queue_mode(self, screening_id: str) -> bool:
        now_ms = epoch_ms(self.clock.now())
        seen = self._view(screening_id, now_ms)
        return seen.admin or seen.line.surging_at(now_ms)

    def status(self, principal: Principal, request_id: str) -> RequestView:
        stored = self.requests.get(request_id)
        if stored is None or not principal.may_act_for(stored.request.user_id):
            # Someone else's request is as good as absent: never confirm it exists.
            raise NotFound("seat_request_not_found", f"No seat request with id {request_id}.")
        if stored.decision is None:
            line = self._view(stored.request.screening_id, epoch_ms(self.clock.now())).line
            return RequestView(stored, position(stored.request.arrival, line.decided))
        reservation_id = stored.decision.reservation_id
        reservation = self.booking.get(principal, reservation_id) if reservation_id else None
        return RequestView(stored, 0, reservation)

    def screening(self, screening_id: str) -> tuple[Screening, int]:
        """The catalog's screening, whose ``queue_mode`` is on while an admin's switch or a surge is."""
        screening, available = self.screenings.screening(screening_id)
        now_ms = epoch_ms(self.clock.now())
        surging = self._view(screening_id, now_ms).line.surging_at(now_ms)
        return replace(screening, queue_mode=screening.queue_mode or surging), available

    def switch(self, principal: Principal, screening_id: str, queue_mode: bool) -> tuple[Screening, int]:
        """An admin's switch. Off also ends an automatic surge (requests already in line are still decided)."""
        screening, available = self.screenings.set_queue_mode(principal, screening_id, queue_mode)
        if not queue_mode:
            self.lines.end_surge(screening_id)
        self._seen.pop(screening_id, None)
        return screening, available

    # --- the consumer ---

    def decide(self, requests: Sequence[SeatRequest], first_deliveries: Collection[str] = ()) -> list[Decision]:
        """Decide a batch from the FIFO queue, screening by screening, in arrival order. Idempotent.

        `first_deliveries`: the requests SQS hands over for the first time (receive count 1). No earlier
        delivery can have held seats for them, so their winners are held without first looking for a hold
        of their own; any other request is looked up first (a consumer that died after holding).
        """
        decided: list[Decision] = []
        by_screening: dict[str, list[SeatRequest]] = {}
        for request in requests:
            by_screening.setdefault(request.screening_id, []).append(request)
        for screening_id, line in by_screening.items():
            decided.extend(self._decide_line(screening_id, line, first_deliveries))
        return decided

    def _decide_line(
        self, screening_id: str, requests: list[SeatRequest], first_deliveries: Collection[str]
    ) -> list[Decision]:
        line, stored = self.lines.for_batch(screening_id, [r.request_id for r in requests])
        pending = [r for r in requests if not (r.request_id in stored and stored[r.request_id].decision)]
        if not pending:
            return []  # a second delivery of a batch decided already
        first = line.first_ordinal_of([r.request_id for r in requests])
        now_ms = epoch_ms(self.clock.now())
        seats = self._batch_map(screening_id, now_ms)
        try:
            decisions = [
                self._judge(
                    seats, request, first + requests.index(request), now_ms, request.request_id not in first_deliveries
                )
                for request in pending
            ]
            self.lines.decide(
                screening_id,
                line,
                first + len(requests),
                list(zip(pending, decisions, strict=True)),
                now_ms + PURGE_AFTER_MS,
            )
        except Exception:
            self._maps.pop(screening_id, None)  # what was written is unknown: read the seats again next time
            raise
        if line.surge_until_ms:  # an automatic surge lasts while its line is being worked
            self.lines.surge_until(screening_id, now_ms + self.policy.calm_seconds * 1000)
        self.updates.send_all(
            [
                (r.user_id, {"type": "queue_update", "request_id": r.request_id, "status": d.status, "position": 0})
                for r, d in zip(pending, decisions, strict=True)
            ]
        )
        logger.info(
            "seat requests decided",
            extra={
                "screening_id": screening_id,
                "count": len(decisions),
                "won": sum(1 for d in decisions if d.status == "succeeded"),
                "first_ordinal": first,
            },
        )
        return decisions

    def _batch_map(self, screening_id: str, now_ms: int) -> BatchMap:
        """The seats as the line left them: carried from the last batch while at most a second old, else read.

        The line is the only writer of holds while a screening is in queue mode; a release or an expiry
        elsewhere is seen within the second (the direct path's precheck has the same rule). Winners are still
        written with the hold's conditions, so an old map can cost a request a seat, never sell one twice.
        """
        carried = self._maps.get(screening_id)
        if carried is not None and now_ms - carried[0] <= SEAT_MAP_MAX_AGE_MS:
            return carried[1]
        seats = BatchMap((view.state for view in self.booking.seat_map(screening_id).seats), now_ms)
        self._maps[screening_id] = (now_ms, seats)
        return seats

    def _judge(self, seats: BatchMap, request: SeatRequest, ordinal: int, now_ms: int, seen_before: bool) -> Decision:
        verdict = seats.judge(request, now_ms, self.policy.max_wait_seconds * 1000)
        if verdict.outcome == "expired":
            return self._failed(request, ordinal, now_ms, Failure("request_expired", _EXPIRED))
        if verdict.outcome == "sold_out":
            return self._failed(request, ordinal, now_ms, Failure("sold_out", _SOLD_OUT))
        if verdict.outcome == "taken":
            return self._unavailable(seats, request, ordinal, now_ms, verdict.taken)
        principal = Principal(request.user_id)
        try:
            hold = self.booking.hold_for_request(
                principal, request.screening_id, request.seat_ids, request.hold_id, may_exist=seen_before
            )
        except SeatsUnavailable as lost:  # the write's condition is the last word: a loss, never an oversale
            seats.lost(lost.seat_ids)
            return self._unavailable(seats, request, ordinal, now_ms, lost.seat_ids)
        except DependencyUnavailable:
            raise  # storage trouble: the whole batch is tried again
        except BookingError as refused:  # screening_started, hold_contention...
            return self._failed(request, ordinal, now_ms, Failure(refused.code, refused.message, refused.details))
        seats.took(request)
        return Decision(request.request_id, "succeeded", ordinal, now_ms, reservation_id=hold.id)

    def _unavailable(
        self, seats: BatchMap, request: SeatRequest, ordinal: int, now_ms: int, taken: Sequence[str]
    ) -> Decision:
        alternatives = self.booking.alternatives_for(request.screening_id, request.seat_ids, seats.taken)
        error = SeatsUnavailable(taken)
        failure = Failure(error.code, error.message, error.details, tuple(alternatives))
        return self._failed(request, ordinal, now_ms, failure)

    @staticmethod
    def _failed(request: SeatRequest, ordinal: int, now_ms: int, failure: Failure) -> Decision:
        return Decision(request.request_id, "failed", ordinal, now_ms, failure=failure)

    # --- helpers ---

    def _enqueue(self, principal: Principal, screening_id: str, seat_ids: Sequence[str], now_ms: int) -> RequestView:
        wanted = self.booking.validate_hold(screening_id, seat_ids)
        request_id = request_id_for(principal.user_id, screening_id, wanted, now_ms)
        viewed = self._view(screening_id, now_ms)
        with self._lock:
            seen = self._seen.get(screening_id, viewed)  # the current view, should another thread have replaced it
            seen.arrived_since += 1
            seen.unflushed += 1
            arrival = seen.line.arrivals + seen.arrived_since
            flushing = 0
            if (
                now_ms - seen.flushed_at_ms >= ARRIVALS_FLUSH_MS
            ):  # claimed here: one flush per period, not one per thread
                flushing, seen.unflushed, seen.flushed_at_ms = seen.unflushed, 0, now_ms
        if flushing:
            try:
                self.lines.add_arrivals(screening_id, arrival_shard(request_id), flushing)
            except Exception:
                with self._lock:
                    seen.unflushed += flushing  # counted at the next flush
                raise
        request = SeatRequest(request_id, screening_id, principal.user_id, wanted, now_ms, arrival)
        if not self.requests.add(request, now_ms + PURGE_AFTER_MS):
            return self.status(principal, request_id)  # a double click: the same request, once
        try:
            self.queue.enqueue(request)
        except DependencyUnavailable:
            self.requests.forget(request_id)
            raise
        return RequestView(StoredRequest(request, "queued"), position(arrival, seen.line.decided))

    def _view(self, screening_id: str, now_ms: int) -> _Seen:
        """This instance's view, read again when older than `mode_cache_seconds` by one thread while the others
        go on with the old one (an instance serves many requests at once)."""
        with self._lock:
            seen = self._seen.get(screening_id)
            if seen is not None and (
                now_ms - seen.at_ms <= self.policy.mode_cache_seconds * 1000 or screening_id in self._reading
            ):
                return seen
            self._reading.add(screening_id)
        try:
            admin, line = self.lines.view(screening_id)
        finally:
            with self._lock:
                self._reading.discard(screening_id)
        with self._lock:
            old = self._seen.get(screening_id)
            unflushed = old.unflushed if old else 0
            flushed_at = old.flushed_at_ms if old else 0
            seen = _Seen(now_ms, admin, line, arrived_since=unflushed, unflushed=unflushed, flushed_at_ms=flushed_at)
            self._seen[screening_id] = seen
            return seen

    def _count_attempt(self, screening_id: str, now_ms: int) -> None:
        due = self._meter.record(screening_id, now_ms // 1000)
        if due is None:
            return
        second, count = due
        total = self.lines.count_attempts(screening_id, second, count)
        if total > self.policy.rate_per_second:
            logger.info("surge: queue mode on", extra={"screening_id": screening_id, "attempts_per_second": total})
            self.lines.surge_until(screening_id, now_ms + self.policy.calm_seconds * 1000)
            self._seen.pop(screening_id, None)


_EXPIRED = "This request waited longer than allowed and was not decided; ask again."
_SOLD_OUT = "Every seat of this screening is taken."
