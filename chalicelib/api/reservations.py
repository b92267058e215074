"""Seat reservations: hold, look, extend, release; the seat map and best-available suggestions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.api import auth
from chalicelib.api.requests import Id, RequestSchema, parse_body, path_id, validation_error
from chalicelib.api.routing import ApiBlueprint, created, json_response
from chalicelib.bootstrap import services
from chalicelib.domain.clock import iso
from chalicelib.domain.reservations import Reservation
from chalicelib.services.booking import SeatMap

bp = ApiBlueprint(__name__)

SeatId = Annotated[str, StringConstraints(min_length=2, max_length=6)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z][a-z0-9_]*$")]


class HoldSeats(RequestSchema):
    screening_id: Id
    seat_ids: Annotated[list[SeatId], Field(min_length=1, max_length=50)]


class SuggestAlternatives(RequestSchema):
    screening_id: Id
    count: Annotated[int, Field(ge=1, le=50)] | None = None
    seat_ids: Annotated[list[SeatId], Field(max_length=50)] = []
    category: Category | None = None
    accessible: bool = False
    limit: Annotated[int, Field(ge=1, le=10)] = 5


def reservation_json(reservation: Reservation) -> dict:
    return {
        "id": reservation.id,
        "screening_id": reservation.screening_id,
        "user_id": reservation.user_id,
        "seat_ids": list(reservation.seat_ids),
        "seat_prices": dict(reservation.prices),
        "status": reservation.status_at(services().clock.now()),
        "created_at": iso(reservation.created_at),
        "expires_at": iso(reservation.expires_at),
        "extended": reservation.extended,
        "total_cents": reservation.total_cents,
        "currency": reservation.currency,
    }


def seat_map_json(seat_map: SeatMap) -> dict:
    return {
        "screening_id": seat_map.screening_id,
        "seats": [
            {
                "id": view.seat.id,
                "row": view.seat.row,
                "number": view.seat.number,
                "category": view.seat.category,
                "price_cents": view.seat.price_cents,
                "status": view.status,
            }
            for view in seat_map.seats
        ],
        "available_count": seat_map.available_count,
    }


@bp.route("/api/seat-reservations", methods=["POST"], authorizer=auth.customer_auth)
def hold_seats():
    request = parse_body(HoldSeats, bp.current_request.raw_body)
    principal = auth.current_principal(bp.current_request)
    reservation = services().booking.hold_seats(principal, request.screening_id, request.seat_ids)
    return created(reservation_json(reservation))


@bp.route("/api/seat-reservations/{reservation_id}", methods=["GET"], authorizer=auth.customer_auth)
def get_reservation(reservation_id):
    principal = auth.current_principal(bp.current_request)
    return json_response(reservation_json(services().booking.get(principal, path_id(reservation_id, "reservation_id"))))


@bp.route("/api/seat-reservations/{reservation_id}", methods=["DELETE"], authorizer=auth.customer_auth)
def release_reservation(reservation_id):
    principal = auth.current_principal(bp.current_request)
    released = services().booking.release(principal, path_id(reservation_id, "reservation_id"))
    return json_response({"released_seat_ids": list(released)})


@bp.route("/api/seat-reservations/{reservation_id}/extend", methods=["POST"], authorizer=auth.customer_auth)
def extend_reservation(reservation_id):
    principal = auth.current_principal(bp.current_request)
    return json_response(
        reservation_json(services().booking.extend(principal, path_id(reservation_id, "reservation_id")))
    )


@bp.route("/api/seat-reservations/user/{user_id}", methods=["GET"], authorizer=auth.customer_auth)
def reservations_of_user(user_id):
    principal = auth.current_principal(bp.current_request)
    items = services().booking.for_user(principal, path_id(user_id, "user_id"))
    return json_response({"items": [reservation_json(r) for r in items]})


@bp.route(
    "/api/seat-reservations/user/{user_id}/screening/{screening_id}", methods=["DELETE"], authorizer=auth.customer_auth
)
def release_for_screening(user_id, screening_id):
    principal = auth.current_principal(bp.current_request)
    released = services().booking.release_for_screening(
        principal, path_id(user_id, "user_id"), path_id(screening_id, "screening_id")
    )
    return json_response({"released_seat_ids": list(released)})


@bp.route("/api/seat-reservations/available-seats/{screening_id}", methods=["GET"])
def available_seats(screening_id):
    seat_map = services().booking.seat_map(path_id(screening_id, "screening_id"))
    return json_response(seat_map_json(seat_map), headers={"Cache-Control": "no-store"})


@bp.route("/api/seat-reservations/suggest-alternatives", methods=["POST"])
def suggest_alternatives():
    request = parse_body(SuggestAlternatives, bp.current_request.raw_body)
    count = request.count or len(request.seat_ids)
    if not count:
        raise validation_error([{"field": "count", "message": "Give a count or the seat_ids to replace."}])
    suggestions = services().booking.suggest(
        request.screening_id,
        count,
        near=request.seat_ids,
        category=request.category,
        accessible=request.accessible,
        limit=request.limit,
    )
    return json_response({"suggestions": [s.to_json() for s in suggestions]})
