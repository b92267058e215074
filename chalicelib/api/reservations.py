"""Seat reservations: hold, look, extend, release; the seat map and best-available suggestions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from chalicelib.api import auth
from chalicelib.api.errors import Error, ErrorBody, SeatsUnavailableDetails, Suggestion
from chalicelib.api.requests import Id, PageQuery, RequestSchema, validation_error
from chalicelib.api.responses import Page, ResponseModel, Timestamp, left_out_when_none
from chalicelib.api.routing import ApiBlueprint, Reply
from chalicelib.bootstrap import services
from chalicelib.domain import reservations
from chalicelib.domain.holds import SeatStatus
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import CATEGORY_PATTERN, SEAT_ID_PATTERN
from chalicelib.domain.reservations import ReservationStatus
from chalicelib.domain.surge import RequestStatus
from chalicelib.services import booking, surge

bp = ApiBlueprint(__name__)

SeatId = Annotated[str, StringConstraints(pattern=SEAT_ID_PATTERN)]
Category = Annotated[str, StringConstraints(pattern=CATEGORY_PATTERN)]


class HoldSeats(RequestSchema):
    screening_id: Id
    seat_ids: Annotated[list[SeatId], Field(min_length=1, max_length=reservations.MOST_SEATS_PER_HOLD)]


class SuggestAlternatives(RequestSchema):
    screening_id: Id
    count: Annotated[int, Field(ge=1, le=50)] | None = None
    seat_ids: Annotated[list[SeatId], Field(max_length=50)] = []
    category: Category | None = None
    accessible: bool = False
    limit: Annotated[int, Field(ge=1, le=10)] = 5


class Reservation(ResponseModel):
    """A hold on seats, all or nothing."""

    id: str
    screening_id: str
    user_id: str
    seat_ids: tuple[str, ...]
    seat_prices: dict[str, int] = Field(description="Price in cents of each held seat.")
    status: ReservationStatus = Field(description="An active hold past expires_at reads as expired.")
    created_at: Timestamp
    expires_at: Timestamp
    extended: bool = Field(description="A hold can be extended once.")
    total_cents: int
    currency: str

    @classmethod
    def of(cls, reservation: reservations.Reservation, now: datetime) -> Reservation:
        return cls(
            id=reservation.id,
            screening_id=reservation.screening_id,
            user_id=reservation.user_id,
            seat_ids=reservation.seat_ids,
            seat_prices=reservation.prices,
            status=reservation.status_at(now),
            created_at=reservation.created_at,
            expires_at=reservation.expires_at,
            extended=reservation.extended,
            total_cents=reservation.total_cents,
            currency=reservation.currency,
        )


class ReservationPage(Page[Reservation]):
    """A page of a user's reservations (held, released, expired, paid), newest first."""


class ReleasedSeats(ResponseModel):
    released_seat_ids: tuple[str, ...] = Field(description="Empty when nothing was held any more.")


class MapSeat(ResponseModel):
    id: str
    row: str
    number: int
    category: str
    price_cents: int
    status: SeatStatus = Field(description="A hold past its expiry shows as available.")

    @classmethod
    def of(cls, view: booking.SeatView) -> MapSeat:
        seat = view.seat
        return cls(
            id=seat.id,
            row=seat.row,
            number=seat.number,
            category=seat.category,
            price_cents=seat.price_cents,
            status=view.status,
        )


class SeatMap(ResponseModel):
    """Every seat of a screening and whether it can be taken now."""

    screening_id: str
    seats: list[MapSeat] = Field(description="Front row first, left to right.")
    available_count: int

    @classmethod
    def of(cls, seat_map: booking.SeatMap) -> SeatMap:
        seats = [MapSeat.of(view) for view in seat_map.seats]
        return cls(screening_id=seat_map.screening_id, seats=seats, available_count=seat_map.available_count)


class QueuedRequest(ResponseModel):
    """A hold request waiting in the screening's line (queue mode): follow it by its id."""

    request_id: str
    status: RequestStatus = Field(description="queued when it joins the line.")
    position: int = Field(description="Estimated requests ahead, counting this one (docs/surge.md).")

    @classmethod
    def of(cls, view: surge.RequestView) -> QueuedRequest:
        return cls(request_id=view.stored.request.request_id, status=view.stored.status, position=view.position)


class SeatRequestAnswer(ResponseModel):
    """A request of the line and, once decided, its hold or why it got none."""

    request_id: str
    status: RequestStatus
    position: int = Field(description="Estimated requests ahead, counting this one, while queued; then 0.")
    screening_id: str
    seat_ids: tuple[str, ...]
    reservation: Reservation | SkipJsonSchema[None] = left_out_when_none("The hold, when it succeeded.")
    error: ErrorBody | SkipJsonSchema[None] = left_out_when_none(
        "Why it failed: seats_unavailable (with alternatives), sold_out or request_expired."
    )

    @classmethod
    def of(cls, view: surge.RequestView, now: datetime) -> SeatRequestAnswer:
        request, decision = view.stored.request, view.stored.decision
        error = None
        if decision is not None and decision.failure is not None:
            failure = decision.failure
            details = dict(failure.details)
            if failure.code == "seats_unavailable":
                details = SeatsUnavailableDetails(
                    unavailable_seat_ids=tuple(details.get("unavailable_seat_ids", ())),
                    alternatives=[Suggestion.of(s) for s in failure.alternatives],
                ).wire()
            error = ErrorBody(code=failure.code, message=failure.message, details=details)
        return cls(
            request_id=request.request_id,
            status=view.stored.status,
            position=view.position,
            screening_id=request.screening_id,
            seat_ids=request.seat_ids,
            reservation=Reservation.of(view.reservation, now) if view.reservation else None,
            error=error,
        )


class Suggestions(ResponseModel):
    suggestions: list[Suggestion] = Field(description="Best first.")


_AN_HOUR_AGO = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)
HELD = Reservation(
    id="rsv_019a2b3c4d5e1f2a3b4c5d6e7f",
    screening_id="scr_019a2b3c4d5e",
    user_id="u_019a2b3c4d5e",
    seat_ids=("F7", "F8"),
    seat_prices={"F7": 1200, "F8": 1200},
    status="active",
    created_at=_AN_HOUR_AGO,
    expires_at=_AN_HOUR_AGO.replace(minute=10),
    extended=False,
    total_cents=2400,
    currency="EUR",
)
LOST = Error(
    error=ErrorBody(
        code="seats_unavailable",
        message="These seats are no longer available: F8.",
        details=SeatsUnavailableDetails(
            unavailable_seat_ids=("F8",),
            alternatives=[
                Suggestion(
                    seat_ids=("G7", "G8"),
                    score=91.5,
                    row="G",
                    adjacent=True,
                    category="standard",
                    total_cents=2400,
                    reasons=("adjacent seats in row G", "no single seat left stranded", "near the seats you chose"),
                )
            ],
        ).wire(),
    )
)


def _principal() -> Principal:
    return auth.current_principal(bp.current_request)


def _now() -> datetime:
    return services().clock.now()


@bp.route(
    "/api/seat-reservations",
    methods=["POST"],
    authorizer=auth.customer_auth,
    summary="Hold seats of a screening, all or nothing",
    description="A new hold for a screening where the user already holds seats replaces that hold. "
    "seats_unavailable names exactly the seats that were not free and offers alternatives. "
    "When the screening is in queue mode the request joins its line (202): follow it at "
    "/api/seat-reservations/requests/{request_id} or by queue_update on the WebSocket; the same request "
    "sent twice within 10 seconds is one request.",
    body=HoldSeats,
    answers={201: Reservation, 202: QueuedRequest},
    errors={
        400: ("too_many_seats", "unknown_seat", "duplicate_seats"),
        404: ("screening_not_found",),
        409: ("seats_unavailable", "screening_started", "hold_contention", "hold_cooldown"),
    },
    examples={201: HELD, 409: LOST},
)
def hold_seats(body: HoldSeats) -> Reservation | QueuedRequest:
    outcome = services().surge.reserve(_principal(), body.screening_id, body.seat_ids)
    if isinstance(outcome, surge.RequestView):
        return QueuedRequest.of(outcome)
    return Reservation.of(outcome, _now())


@bp.route(
    "/api/seat-reservations/requests/{request_id}",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="A queued hold request of the signed-in user (admin: anyone's)",
    answers={200: SeatRequestAnswer},
    errors={404: ("seat_request_not_found",)},
)
def seat_request(request_id: str) -> SeatRequestAnswer:
    return SeatRequestAnswer.of(services().surge.status(_principal(), request_id), _now())


@bp.route(
    "/api/seat-reservations/{reservation_id}",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="One reservation of the signed-in user (admin: anyone's)",
    answers={200: Reservation},
    errors={404: ("reservation_not_found",)},
)
def get_reservation(reservation_id: str) -> Reservation:
    return Reservation.of(services().booking.get(_principal(), reservation_id), _now())


@bp.route(
    "/api/seat-reservations/{reservation_id}",
    methods=["DELETE"],
    authorizer=auth.customer_auth,
    summary="Release a hold",
    answers={200: ReleasedSeats},
    errors={404: ("reservation_not_found",), 409: ("reservation_paid",)},
)
def release_reservation(reservation_id: str) -> ReleasedSeats:
    return ReleasedSeats(released_seat_ids=services().booking.release(_principal(), reservation_id))


@bp.route(
    "/api/seat-reservations/{reservation_id}/extend",
    methods=["POST"],
    authorizer=auth.customer_auth,
    summary="Extend a hold, once",
    answers={200: Reservation},
    errors={404: ("reservation_not_found",), 409: ("hold_expired", "already_extended", "extension_cap_reached")},
)
def extend_reservation(reservation_id: str) -> Reservation:
    return Reservation.of(services().booking.extend(_principal(), reservation_id), _now())


@bp.route(
    "/api/seat-reservations/user/{user_id}",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="The reservations of a user (yourself, or anyone for an admin), newest first, by pages",
    query=PageQuery,
    answers={200: ReservationPage},
    errors={400: ("invalid_cursor",), 403: ("forbidden",)},
)
def reservations_of_user(user_id: str, query: PageQuery) -> ReservationPage:
    page = services().booking.for_user(_principal(), user_id, query.limit, query.cursor)
    now = _now()
    return ReservationPage.of(page, lambda reservation: Reservation.of(reservation, now))


@bp.route(
    "/api/seat-reservations/user/{user_id}/screening/{screening_id}",
    methods=["DELETE"],
    authorizer=auth.customer_auth,
    summary="Release the hold of a user for a screening",
    answers={200: ReleasedSeats},
    errors={403: ("forbidden",)},
)
def release_for_screening(user_id: str, screening_id: str) -> ReleasedSeats:
    released = services().booking.release_for_screening(_principal(), user_id, screening_id)
    return ReleasedSeats(released_seat_ids=released)


@bp.route(
    "/api/seat-reservations/available-seats/{screening_id}",
    methods=["GET"],
    summary="The seat map of a screening: every seat and its status",
    answers={200: SeatMap},
    errors={404: ("screening_not_found",)},
)
def available_seats(screening_id: str) -> Reply:
    return Reply(SeatMap.of(services().booking.seat_map(screening_id)), {"Cache-Control": "no-store"})


@bp.route(
    "/api/seat-reservations/suggest-alternatives",
    methods=["POST"],
    summary="Best available blocks of seats, best first",
    description="Give count, or the seat_ids to replace (their number is the count and suggestions stay near them).",
    body=SuggestAlternatives,
    answers={200: Suggestions},
    errors={400: ("unknown_category",), 404: ("screening_not_found",)},
)
def suggest_alternatives(body: SuggestAlternatives) -> Suggestions:
    count = body.count or len(body.seat_ids)
    if not count:
        raise validation_error([{"field": "count", "message": "Give a count or the seat_ids to replace."}])
    suggestions = services().booking.suggest(
        body.screening_id,
        count,
        near=body.seat_ids,
        category=body.category,
        accessible=body.accessible,
        limit=body.limit,
    )
    return Suggestions(suggestions=[Suggestion.of(suggestion) for suggestion in suggestions])
