"""Payments: pay for a hold exactly once (Idempotency-Key), a user's payment history, and the recovery schedule.

Stripe's semantics for the key, on Powertools' idempotency utility (`chalicelib.adapters.idempotency`): the
first answer of a payment (201, 402 payment_declined, 409 hold_expired) is stored for 24 h under the user and
the key and replayed, status and body, for the same body; another body is 422, a repeat while the first runs
is 409 with Retry-After. Refusals before any money moved (not found, already paid...) are not stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from chalice import Rate
from pydantic import Field, StringConstraints

from chalicelib.api import auth
from chalicelib.api.errors import Error, ErrorBody, error_body, status_of
from chalicelib.api.requests import Id, PageQuery, RequestSchema
from chalicelib.api.responses import Page, ResponseModel, Timestamp
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.tickets import EXAMPLE_TICKET, Ticket
from chalicelib.bootstrap import services
from chalicelib.domain import payments
from chalicelib.domain.errors import BookingError, Conflict, HoldExpired, InvalidRequest, PaymentRequired
from chalicelib.domain.identity import Principal
from chalicelib.domain.payments import PaymentStatus
from chalicelib.logs import logger
from chalicelib.services.payments import Sale

bp = ApiBlueprint(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{8,255}$")
Token = Annotated[str, StringConstraints(pattern=r"^tok_[a-z0-9_]{1,60}$")]
STATUS_MEANING = (
    "charging (being settled), succeeded (sold; stays so when its tickets are refunded: see refunded_cents), "
    "declined, refunded (charged, but the hold was lost before the sale: the charge was given back), failed."
)
STORED_REFUSALS: dict[int, type[BookingError]] = {402: PaymentRequired, 409: Conflict}
"""The refusals a payment's answer can be (and is replayed as): declined, and a hold lost after the charge."""


class PaymentMethod(RequestSchema):
    type: Literal["card"]
    token: Token = Field(
        description="A card token; test tokens: tok_visa, tok_declined, tok_insufficient_funds, tok_timeout."
    )


class PayBody(RequestSchema):
    reservation_id: Id
    payment_method: PaymentMethod


class Payment(ResponseModel):
    """A payment for one reservation: the hold's total, charged once."""

    id: str
    reservation_id: str
    screening_id: str
    user_id: str
    amount_cents: int = Field(description="The hold's snapshotted total; never an amount a client sent.")
    refunded_cents: int = Field(
        default=0,  # a replayed first answer stored before this field existed has none: nothing was refunded then
        description="What refunds of its tickets gave back, 0 to amount_cents (status stays succeeded). "
        "A replayed answer (the same Idempotency-Key) shows it as it was when first answered.",
    )
    currency: str
    status: PaymentStatus = Field(description=STATUS_MEANING)
    created_at: Timestamp
    seat_ids: tuple[str, ...]
    tickets: list[Ticket] = Field(description="One per seat once succeeded; empty otherwise.")

    @classmethod
    def of(cls, sale: Sale) -> Payment:
        payment = sale.payment
        return cls(
            id=payment.id,
            reservation_id=payment.reservation_id,
            screening_id=payment.screening_id,
            user_id=payment.user_id,
            amount_cents=payment.amount_cents,
            refunded_cents=payment.refunded_cents,
            currency=payment.currency,
            status=payment.status,
            created_at=payment.created_at,
            seat_ids=payment.seat_ids,
            tickets=[Ticket.of(ticket) for ticket in sale.tickets],
        )


class PaymentSummary(ResponseModel):
    id: str
    reservation_id: str
    screening_id: str
    amount_cents: int
    refunded_cents: int = Field(
        description="What refunds of its tickets gave back, 0 to amount_cents: amount_cents when every ticket was "
        "refunded. The status stays succeeded (refunded means a charge given back because the sale was refused)."
    )
    currency: str
    status: PaymentStatus = Field(description=STATUS_MEANING)
    created_at: Timestamp
    seat_ids: tuple[str, ...]
    failure_code: str | None = Field(description="Why it ended without a sale (decline code, hold_expired).")

    @classmethod
    def of(cls, payment: payments.Payment) -> PaymentSummary:
        return cls(
            id=payment.id,
            reservation_id=payment.reservation_id,
            screening_id=payment.screening_id,
            amount_cents=payment.amount_cents,
            refunded_cents=payment.refunded_cents,
            currency=payment.currency,
            status=payment.status,
            created_at=payment.created_at,
            seat_ids=payment.seat_ids,
            failure_code=payment.failure_code,
        )


class PaymentPage(Page[PaymentSummary]):
    """A page of a user's payments, newest first."""


PAID = Payment(
    id="pay_6d1f0a9b8c7d6e5f4a3b2c1d0e",
    reservation_id=EXAMPLE_TICKET.reservation_id,
    screening_id=EXAMPLE_TICKET.screening_id,
    user_id=EXAMPLE_TICKET.user_id,
    amount_cents=1200,
    currency="EUR",
    status="succeeded",
    created_at=datetime(2026, 6, 1, 19, 5, tzinfo=UTC),
    seat_ids=("F7",),
    tickets=[EXAMPLE_TICKET],
)
DECLINED = Error(
    error=ErrorBody(
        code="payment_declined",
        message="Your card was declined.",
        details={"decline_code": "card_declined", "payment_id": "pay_6d1f0a9b8c7d6e5f4a3b2c1d0e"},
    )
)


def _idempotency_key() -> str:
    headers: Any = bp.current_request.headers or {}
    key = str(headers.get("idempotency-key") or "").strip()
    if not IDEMPOTENCY_KEY.match(key):
        raise InvalidRequest(
            "idempotency_key_required",
            "Send an Idempotency-Key header (8 to 255 visible characters, e.g. a UUID) with every payment.",
            {"fields": [{"field": "Idempotency-Key", "message": "required, 8-255 visible ASCII characters"}]},
        )
    return key


def _first_answer(principal: Principal, body: PayBody, key: str) -> dict[str, Any]:
    """The answer to store and replay: the payment, or the refusal it ended with once money was involved."""
    try:
        sale = services().payments.pay(principal, body.reservation_id, body.payment_method.token, key)
    except (PaymentRequired, HoldExpired) as refusal:
        return {"status": status_of(refusal), "body": error_body(refusal.code, refusal.message, refusal.details)}
    return {"status": 201, "body": Payment.of(sale).wire()}


def answer_once(principal: Principal, body: PayBody, key: str) -> dict[str, Any]:
    """The stored answer for this user and key (the first request's), or `InProgress` / `Unprocessable`."""
    scope = f"{principal.user_id}\x00{key}"
    return services().once.run(scope, body.model_dump(mode="json"), lambda: _first_answer(principal, body, key))


@bp.route(
    "/api/payments",
    methods=["POST"],
    authorizer=auth.customer_auth,
    summary="Pay for a hold, exactly once per Idempotency-Key",
    description="Header Idempotency-Key is required. The same key and body replay the first answer (status and "
    "body); another body is 422 idempotency_key_reused; while the first runs, 409 with Retry-After.",
    body=PayBody,
    answers={201: Payment},
    errors={
        400: ("idempotency_key_required",),
        402: ("payment_declined",),
        404: ("reservation_not_found",),
        409: (
            "hold_expired",
            "idempotency_request_in_progress",
            "payment_in_progress",
            "reservation_already_paid",
        ),
        422: ("idempotency_key_reused",),
        503: ("payment_pending", "payment_failed"),
    },
    examples={201: PAID, 402: DECLINED},
)
def pay(body: PayBody) -> Payment:
    answer = answer_once(auth.current_principal(bp.current_request), body, _idempotency_key())
    if answer["status"] == 201:
        return Payment.model_validate(answer["body"])
    error = answer["body"]["error"]
    raise STORED_REFUSALS[answer["status"]](error["code"], error["message"], error["details"])


@bp.route(
    "/api/payments/user/{user_id}",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="The payments of a user (yourself, or anyone for an admin), newest first, by pages",
    query=PageQuery,
    answers={200: PaymentPage},
    errors={400: ("invalid_cursor",), 403: ("forbidden",)},
)
def payments_of_user(user_id: str, query: PageQuery) -> PaymentPage:
    page = services().payments.history(auth.current_principal(bp.current_request), user_id, query.limit, query.cursor)
    return PaymentPage.of(page, PaymentSummary.of)


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def recover_payments(event):
    """Payments stuck in `charging` (a crash, an unreconciled timeout) are completed or refunded."""
    settled = services().payments.recover()
    if settled:
        logger.info("payment recovery settled payments", extra={"count": settled})
