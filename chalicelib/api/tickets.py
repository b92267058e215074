"""Tickets: deliver a paid reservation's tickets, read them, their QR codes, check-in at the door, refunds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from chalice import Response
from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from chalicelib.api import auth
from chalicelib.api.requests import Id, PageQuery, RequestSchema
from chalicelib.api.responses import Page, ResponseModel, Timestamp, left_out_when_none
from chalicelib.api.routing import ApiBlueprint, Media, Reply
from chalicelib.bootstrap import services
from chalicelib.domain import tickets
from chalicelib.domain.tickets import TicketStatus
from chalicelib.services.tickets import QrFormat

bp = ApiBlueprint(__name__)

QrPayload = Annotated[str, StringConstraints(min_length=1, max_length=tickets.MAX_PAYLOAD_CHARS)]


class IssueTickets(RequestSchema):
    reservation_id: Id


class CheckInRequest(RequestSchema):
    qr_payload: QrPayload
    screening_id: Id | None = None


class Ticket(ResponseModel):
    """One seat of a paid reservation. `qr_payload` is what its QR code carries, signed (docs/payments.md)."""

    id: str
    reservation_id: str
    payment_id: str
    screening_id: str
    seat_id: str
    user_id: str
    status: TicketStatus = Field(description="valid, used (checked in), refunding (being refunded), refunded.")
    price_cents: int
    currency: str
    issued_at: Timestamp
    checked_in_at: Timestamp | SkipJsonSchema[None] = left_out_when_none("When it was scanned at the door.")
    refunded_at: Timestamp | SkipJsonSchema[None] = left_out_when_none()
    qr_payload: str = Field(description="CT1.<kid>.<ticket|screening|seat>.<Ed25519 signature>, base64url parts.")

    @classmethod
    def of(cls, ticket: tickets.Ticket) -> Ticket:
        return cls(
            id=ticket.id,
            reservation_id=ticket.reservation_id,
            payment_id=ticket.payment_id,
            screening_id=ticket.screening_id,
            seat_id=ticket.seat_id,
            user_id=ticket.user_id,
            status=ticket.status,
            price_cents=ticket.price_cents,
            currency=ticket.currency,
            issued_at=ticket.issued_at,
            checked_in_at=ticket.checked_in_at,
            refunded_at=ticket.refunded_at,
            qr_payload=services().tickets.payload_of(ticket),
        )


class TicketList(ResponseModel):
    items: list[Ticket]


class TicketPage(Page[Ticket]):
    """A page of a user's tickets, newest first."""


class CheckedIn(ResponseModel):
    ticket: Ticket
    checked_in_at: Timestamp


class TicketKeys(ResponseModel):
    """The public keys that verify QR payloads offline, by key id (raw Ed25519, base64url)."""

    keys: dict[str, str]


_ISSUED = datetime(2026, 6, 1, 19, 5, tzinfo=UTC)
EXAMPLE_TICKET = Ticket(
    id="tkt_0b5e4d0c3a2f1e9d8c7b6a5f4e",
    reservation_id="rsv_019a2b3c4d5e1f2a3b4c5d6e7f",
    payment_id="pay_6d1f0a9b8c7d6e5f4a3b2c1d0e",
    screening_id="scr_019a2b3c4d5e",
    seat_id="F7",
    user_id="u_019a2b3c4d5e",
    status="valid",
    price_cents=1200,
    currency="EUR",
    issued_at=_ISSUED,
    qr_payload="CT1.k1.dGt0XzBifHNjcl8wMTl8Rjc.c2lnbmF0dXJl",
)


def _principal():
    return auth.current_principal(bp.current_request)


@bp.route(
    "/api/tickets",
    methods=["POST"],
    authorizer=auth.customer_auth,
    summary="The tickets of a paid reservation: 201 the first time, 200 after",
    body=IssueTickets,
    answers={201: TicketList, 200: TicketList},
    errors={409: ("payment_required",)},
)
def issue_tickets(body: IssueTickets) -> Reply:
    issued, first = services().tickets.issue(_principal(), body.reservation_id)
    return Reply(TicketList(items=[Ticket.of(t) for t in issued]), status=201 if first else 200)


@bp.route(
    "/api/tickets/user/{user_id}",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="The tickets of a user (yourself, or anyone for an admin), newest first, by pages",
    query=PageQuery,
    answers={200: TicketPage},
    errors={400: ("invalid_cursor",), 403: ("forbidden",)},
)
def tickets_of_user(user_id: str, query: PageQuery) -> TicketPage:
    return TicketPage.of(services().tickets.for_user(_principal(), user_id, query.limit, query.cursor), Ticket.of)


@bp.route(
    "/api/tickets/keys",
    methods=["GET"],
    summary="The public keys that verify ticket QR payloads (for door scanners offline)",
    answers={200: TicketKeys},
)
def ticket_keys() -> TicketKeys:
    return TicketKeys(keys=services().ticket_signer.public_keys())


@bp.route(
    "/api/tickets/check-in",
    methods=["POST"],
    authorizer=auth.staff_auth,
    summary="Admit a ticket at the door, once (staff or admin)",
    description="Give screening_id to refuse tickets of other screenings.",
    body=CheckInRequest,
    answers={200: CheckedIn},
    errors={
        400: ("invalid_ticket",),
        403: ("forbidden",),
        409: ("already_checked_in", "ticket_refunded", "wrong_screening"),
    },
)
def check_in(body: CheckInRequest) -> CheckedIn:
    ticket = services().tickets.check_in(_principal(), body.qr_payload, body.screening_id)
    assert ticket.checked_in_at is not None
    return CheckedIn(ticket=Ticket.of(ticket), checked_in_at=ticket.checked_in_at)


@bp.route(
    "/api/tickets/{ticket_id}",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="One ticket (its owner, or an admin)",
    answers={200: Ticket},
    errors={404: ("ticket_not_found",)},
    examples={200: EXAMPLE_TICKET},
)
def get_ticket(ticket_id: str) -> Ticket:
    return Ticket.of(services().tickets.get(_principal(), ticket_id))


@bp.route(
    "/api/tickets/{ticket_id}/qr",
    methods=["GET"],
    authorizer=auth.customer_auth,
    summary="The ticket's QR code: PNG, or SVG when Accept asks for image/svg+xml and not image/png",
    description="PNG is binary: API Gateway answers it only to an Accept naming image/png or */*.",
    answers={200: Media(("image/png", "image/svg+xml"))},
    errors={404: ("ticket_not_found",)},
)
def ticket_qr(ticket_id: str) -> Response:
    headers: Any = bp.current_request.headers or {}
    accept = str(headers.get("accept") or "")
    kind: QrFormat = "svg" if "image/svg+xml" in accept and "image/png" not in accept else "png"
    image = services().tickets.qr(_principal(), ticket_id, kind)
    media_type = "image/svg+xml" if kind == "svg" else "image/png"
    body: str | bytes = image.decode() if kind == "svg" else image
    return Response(body=body, status_code=200, headers={"Content-Type": media_type, "Cache-Control": "private"})


@bp.route(
    "/api/tickets/{ticket_id}/refund",
    methods=["POST"],
    authorizer=auth.customer_auth,
    summary="Refund a ticket and put its seat back on sale (owner until the cutoff, admin any time)",
    answers={200: Ticket},
    errors={
        404: ("ticket_not_found",),
        409: ("refund_window_closed", "already_checked_in", "ticket_refunded", "refund_conflict"),
    },
)
def refund_ticket(ticket_id: str) -> Ticket:
    return Ticket.of(services().tickets.refund(_principal(), ticket_id))
