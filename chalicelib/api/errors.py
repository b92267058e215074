"""The one table from error class to HTTP status, and the error body of the public contract.

Body: ``{"error": {"code": "<stable_snake_case>", "message": "<for a person>", "details": {...}}}`` (`Error`).
``details`` are the facts the domain error carries; the codes in `ERROR_DETAILS` have a published shape,
and those built from domain objects (the alternatives of ``seats_unavailable``) are rendered here.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from chalice import Response
from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from chalicelib.api.responses import ResponseModel, left_out_when_none
from chalicelib.domain import errors, seating

STATUS: dict[type[errors.BookingError], int] = {
    errors.InvalidRequest: 400,
    errors.Unauthorized: 401,
    errors.PaymentRequired: 402,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.Unprocessable: 422,
    errors.RateLimited: 429,
    errors.DependencyUnavailable: 503,
}

JSON = {"Content-Type": "application/json"}
SnakeCase = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class ErrorBody(ResponseModel):
    code: SnakeCase = Field(description="Stable and machine-readable: branch on this, not on the message.")
    message: str = Field(description="For a person; may change.")
    details: dict[str, Any] = Field(description="Facts about this error; shapes per code where documented.")


class Error(ResponseModel):
    """Every 4xx/5xx answer, from the app and from the gateway alike."""

    error: ErrorBody


class FieldProblem(ResponseModel):
    field: str
    message: str | SkipJsonSchema[None] = left_out_when_none()


class ValidationErrorDetails(ResponseModel):
    """`chalicelib.api.requests.validation_error`: one entry per bad field."""

    fields: list[FieldProblem]


class RateLimitedDetails(ResponseModel):
    retry_after_seconds: int
    scope: str | SkipJsonSchema[None] = left_out_when_none()


class Suggestion(ResponseModel):
    """A block of seats to offer instead (`chalicelib.domain.seating.Suggestion`): best first."""

    seat_ids: tuple[str, ...]
    score: float = Field(description="0-100, higher is better.")
    row: str | None = Field(description="The row label when every seat is in one row.")
    adjacent: bool = Field(description="One block of side-by-side seats.")
    category: str | None = Field(description="The category when every seat shares one.")
    total_cents: int
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, suggestion: seating.Suggestion) -> Suggestion:
        return cls(
            seat_ids=suggestion.seat_ids,
            score=suggestion.score,
            row=suggestion.row,
            adjacent=suggestion.adjacent,
            category=suggestion.category,
            total_cents=suggestion.total_cents,
            reasons=suggestion.reasons,
        )


class SeatsUnavailableDetails(ResponseModel):
    """`chalicelib.domain.errors.SeatsUnavailable`: exactly the seats that were not free, and other blocks."""

    unavailable_seat_ids: tuple[str, ...]
    alternatives: list[Suggestion]

    @classmethod
    def of(cls, error: errors.SeatsUnavailable) -> SeatsUnavailableDetails:
        return cls(unavailable_seat_ids=error.seat_ids, alternatives=[Suggestion.of(s) for s in error.alternatives])


class HoldCooldownDetails(ResponseModel):
    """`chalicelib.domain.errors.HoldCooldown`: the seats of the user's own hold that just ended, and the wait."""

    cooling_seat_ids: tuple[str, ...]
    retry_after_seconds: int


ERROR_DETAILS: dict[str, type[ResponseModel]] = {
    "validation_error": ValidationErrorDetails,
    "rate_limited": RateLimitedDetails,
    "seats_unavailable": SeatsUnavailableDetails,
    "hold_cooldown": HoldCooldownDetails,
}
"""The codes whose ``details`` have a published shape."""


def status_of(error: errors.BookingError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return Error(error=ErrorBody(code=code, message=message, details=details or {})).wire()


def _details(error: errors.BookingError) -> dict[str, Any]:
    if isinstance(error, errors.SeatsUnavailable):
        return SeatsUnavailableDetails.of(error).wire()
    return error.details


def _error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status, headers={**JSON, **(headers or {})})


def error_response(error: errors.BookingError) -> Response:
    headers = (
        {"Retry-After": str(error.retry_after)} if isinstance(error, errors.RateLimited | errors.InProgress) else {}
    )
    return _error_response(status_of(error), error_body(error.code, error.message, _details(error)), headers)


def internal_error_response(request_id: str | None) -> Response:
    """A 5xx is a bug: say so without leaking anything but the id to quote."""
    message = "Something went wrong on our side. Quote the request id if you contact support."
    return _error_response(500, error_body("internal_error", message, {"request_id": request_id} if request_id else {}))


def unsupported_media_type_response(content_type: str, accepted: tuple[str, ...]) -> Response:
    """A body sent as a type the route does not take (text/plain, a form...): 415, before anything reads it."""
    sent = content_type[:100]
    message = f"Send the body as {' or '.join(accepted)}, not {sent}."
    return _error_response(
        415, error_body("unsupported_media_type", message, {"content_type": sent, "supported": list(accepted)})
    )
