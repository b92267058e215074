"""Every error the product reports to a client.

    BookingError                      (base: has code, message, details)
    ├── InvalidRequest          400   validation_error, too_many_seats, unknown_seat, invalid_layout ...
    ├── Unauthorized            401   unauthorized, invalid_credentials, refresh_token_reused ...
    ├── PaymentRequired         402   payment_declined: the provider refused the card
    ├── Forbidden               403   forbidden
    ├── NotFound                404   movie_not_found, screening_not_found, reservation_not_found ...
    ├── Conflict                409   email_taken, screening_overlap, already_extended ...
    │   ├── SeatsUnavailable    409   seats_unavailable: carries the exact seats and alternatives
    │   ├── HoldChanged         409   hold_contention: the user's hold changed under a replacement
    │   ├── HoldCooldown        409   hold_cooldown: seats of the user's own hold that just ended, and when
    │   ├── HoldExpired         409   hold_expired
    │   └── InProgress          409   idempotency_request_in_progress: carries retry_after seconds
    ├── PayloadTooLarge         413   payload_too_large
    ├── Unprocessable           422   idempotency_key_reused
    ├── RateLimited             429   rate_limited: carries retry_after seconds
    └── DependencyUnavailable   503   a provider or storage did not answer in time

The HTTP status of each class lives in one table, `chalicelib.api.errors.STATUS`. Codes are stable,
machine-readable snake_case; messages are for a person and may change. Storage adapters raise these
too, for the writes their conditions refuse (docs/architecture.md, "Storage refusals").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.domain.reservations import Reservation
    from chalicelib.domain.seating import Suggestion


class BookingError(Exception):
    default_code = "error"

    def __init__(self, code: str | None = None, message: str = "", details: Mapping[str, Any] | None = None):
        self.code = code or self.default_code
        self.message = message or self.code.replace("_", " ")
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(self.message)


class InvalidRequest(BookingError):
    default_code = "validation_error"


class Unauthorized(BookingError):
    default_code = "unauthorized"


class PaymentRequired(BookingError):
    default_code = "payment_declined"


class Forbidden(BookingError):
    default_code = "forbidden"


class NotFound(BookingError):
    default_code = "not_found"


class Conflict(BookingError):
    default_code = "conflict"


class SeatsUnavailable(Conflict):
    default_code = "seats_unavailable"

    def __init__(self, seat_ids: Sequence[str], alternatives: Sequence[Suggestion] = (), message: str = ""):
        self.seat_ids = tuple(seat_ids)
        self.alternatives = tuple(alternatives)
        """Other blocks of as many seats, best first; the api renders them into ``details.alternatives``."""
        super().__init__(
            message=message or f"These seats are no longer available: {', '.join(self.seat_ids)}.",
            details={"unavailable_seat_ids": list(self.seat_ids)},
        )


class HoldChanged(Conflict):
    """A hold write assumed the user's current hold for the screening, and it is another one (or none).

    `current` is the user's current hold as far as the refusal tells (its id, seats and times), when it tells.
    """

    default_code = "hold_contention"

    def __init__(self, current: Reservation | None = None):
        self.current = current
        super().__init__(message="Your hold for this screening changed at the same moment; try again.")


class HoldCooldown(Conflict):
    """The user's own hold of these seats ended moments ago: they may hold them again ``retry_after`` seconds later.

    The hold cap would mean nothing if a user could re-hold the same seats the moment a hold lapsed.
    """

    default_code = "hold_cooldown"

    def __init__(self, seat_ids: Sequence[str], retry_after: int):
        self.seat_ids = tuple(seat_ids)
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message=(
                f"You held {', '.join(self.seat_ids)} until moments ago: other people get a turn at them first. "
                f"You can hold them again in {self.retry_after} seconds, or choose other seats now."
            ),
            details={"cooling_seat_ids": list(self.seat_ids), "retry_after_seconds": self.retry_after},
        )


class HoldExpired(Conflict):
    default_code = "hold_expired"


class InProgress(Conflict):
    """The same request is still running; try again in `retry_after` seconds (sent as Retry-After)."""

    default_code = "idempotency_request_in_progress"

    def __init__(self, retry_after: int, message: str = "", code: str | None = None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(code, message or "The first request with this Idempotency-Key is still running.")


class PayloadTooLarge(BookingError):
    default_code = "payload_too_large"


class Unprocessable(BookingError):
    default_code = "idempotency_key_reused"


class RateLimited(BookingError):
    default_code = "rate_limited"

    def __init__(
        self, retry_after: int, message: str = "", code: str | None = None, details: Mapping[str, Any] | None = None
    ):
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            code,
            message or f"Too many attempts. Try again in {self.retry_after} seconds.",
            {"retry_after_seconds": self.retry_after, **(details or {})},
        )


class DependencyUnavailable(BookingError):
    default_code = "service_unavailable"
