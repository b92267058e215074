"""The one table from error class to HTTP status, and the error body of the public contract.

Body: ``{"error": {"code": "<stable_snake_case>", "message": "<for a person>", "details": {...}}}``.
"""

from __future__ import annotations

import json

from chalice import Response

from chalicelib.domain import errors

STATUS: dict[type[errors.BookingError], int] = {
    errors.InvalidRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.RateLimited: 429,
    errors.DependencyUnavailable: 503,
}


def status_of(error: errors.BookingError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(error: errors.BookingError) -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if isinstance(error, errors.RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return Response(
        body=json.dumps(error_body(error.code, error.message, error.details)),
        status_code=status_of(error),
        headers=headers,
    )


def internal_error_response(request_id: str | None) -> Response:
    """A 5xx is a bug: say so without leaking anything but the id to quote."""
    return Response(
        body=json.dumps(
            error_body(
                "internal_error",
                "Something went wrong on our side. Quote the request id if you contact support.",
                {"request_id": request_id} if request_id else {},
            )
        ),
        status_code=500,
        headers={"Content-Type": "application/json"},
    )


def unsupported_media_type_response(content_type: str, accepted: tuple[str, ...]) -> Response:
    """A body sent as a type the route does not take (text/plain, a form...): 415, before anything reads it."""
    sent = content_type[:100]
    return Response(
        body=json.dumps(
            error_body(
                "unsupported_media_type",
                f"Send the body as {' or '.join(accepted)}, not {sent}.",
                {"content_type": sent, "supported": list(accepted)},
            )
        ),
        status_code=415,
        headers={"Content-Type": "application/json"},
    )
