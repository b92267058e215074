"""Tickets: deliver them, show them with a signed QR code, admit them once at the door, refund them.

The QR payload is signed with Ed25519 under a key id (`TicketSigner`): the server verifies it here, and a
door scanner can verify it offline with the public keys alone. Admission is a conditional write
(``valid`` -> ``used``), so a ticket is admitted once however many scanners see it at the same moment.
A refund goes ``valid`` -> ``refunding`` (so the door refuses it from then on), gives the money back
through the provider under a key of its own (a retry refunds nothing twice), then marks the ticket
``refunded``, puts its seat back on sale and adds its price to its payment's ``refunded_cents`` in one
transaction (once: the transaction requires the ticket still ``refunding``).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.paging import Page, check_limit
from chalicelib.domain.tickets import (
    RefundPolicy,
    Ticket,
    TicketClaim,
    invalid_ticket,
    parse_payload,
    payload,
    signed_part,
)
from chalicelib.services.booking_ports import LayoutSource
from chalicelib.services.payment_ports import PaymentProvider, Sales

QrFormat = Literal["png", "svg"]


class TicketSigner:
    """Signs with the active key; verifies with any configured key (`kid` rotation). Seeds are base64url."""

    def __init__(self, seeds: Mapping[str, str], active_kid: str):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if active_kid not in seeds:
            raise RuntimeError(f"TICKET_ACTIVE_KID {active_kid!r} is not among TICKET_SIGNING_KEYS")
        self._active = active_kid
        self._keys = {
            kid: Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))
            for kid, seed in seeds.items()
        }

    def sign(self, ticket: Ticket) -> str:
        signed = signed_part(self._active, ticket.id, ticket.screening_id, ticket.seat_id)
        return payload(signed, self._keys[self._active].sign(signed.encode()))

    def verify(self, text: str) -> TicketClaim:
        from cryptography.exceptions import InvalidSignature

        claim = parse_payload(text)
        key = self._keys.get(claim.kid)
        if key is None:
            raise invalid_ticket("unknown_key")
        try:
            key.public_key().verify(claim.signature, claim.signed_part)
        except InvalidSignature as exc:
            raise invalid_ticket("bad_signature") from exc
        return claim

    def public_keys(self) -> dict[str, str]:
        """Key id -> raw Ed25519 public key, base64url: what a door scanner needs to verify offline."""
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return {
            kid: base64.urlsafe_b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
            for kid, key in self._keys.items()
        }


def qr_image(text: str, kind: QrFormat) -> bytes:
    """The QR code of a payload: PNG through pypng (qrcode's pure-Python writer), or SVG; never Pillow."""
    import qrcode

    if kind == "svg":
        from qrcode.image.svg import SvgPathImage

        image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    else:
        from qrcode.image.pure import PyPNGImage

        image = qrcode.make(text, image_factory=PyPNGImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


@dataclass(eq=False)
class TicketService:
    sales: Sales
    provider: PaymentProvider
    screenings: LayoutSource
    signer: TicketSigner
    clock: Clock
    policy: RefundPolicy = field(default_factory=RefundPolicy)

    def issue(self, principal: Principal, reservation_id: str) -> tuple[list[Ticket], bool]:
        """The tickets of a paid reservation and whether this was their first delivery."""
        payment = self.sales.payment_of(reservation_id)
        if payment is None or not principal.may_act_for(payment.user_id):
            # No payment may also mean no such reservation: the caller cannot tell the two apart (or others' holds).
            raise Conflict("payment_required", "This reservation is not paid for; pay for it first.")
        if payment.status != "succeeded":
            raise Conflict("payment_required", "This reservation is not paid for; pay for it first.")
        first = self.sales.deliver_tickets(payment.id)
        return self.sales.tickets(payment.ticket_ids), first

    def get(self, principal: Principal, ticket_id: str) -> Ticket:
        ticket = self.sales.ticket(ticket_id)
        if ticket is None or not principal.may_act_for(ticket.user_id):
            raise NotFound("ticket_not_found", f"No ticket with id {ticket_id}.")
        return ticket

    def for_user(self, principal: Principal, user_id: str, limit: int, cursor: str | None) -> Page[Ticket]:
        principal.require_self_or_admin(user_id)
        return self.sales.tickets_of_user(user_id, check_limit(limit), cursor)

    def qr(self, principal: Principal, ticket_id: str, kind: QrFormat) -> bytes:
        return qr_image(self.signer.sign(self.get(principal, ticket_id)), kind)

    def payload_of(self, ticket: Ticket) -> str:
        return self.signer.sign(ticket)

    def check_in(self, principal: Principal, qr_payload: str, screening_id: str | None) -> Ticket:
        if principal.role not in ("staff", "admin"):
            raise Forbidden("forbidden", "Checking tickets in needs a staff account.")
        claim = self.signer.verify(qr_payload)
        if screening_id is not None and claim.screening_id != screening_id:
            raise Conflict(
                "wrong_screening",
                "This ticket is for another screening.",
                {"ticket_screening_id": claim.screening_id, "screening_id": screening_id},
            )
        ticket = self.sales.ticket(claim.ticket_id)
        if ticket is None or (ticket.screening_id, ticket.seat_id) != (claim.screening_id, claim.seat_id):
            raise invalid_ticket("unknown_ticket")
        return self.sales.check_in(ticket.id, self.clock.now())

    def refund(self, principal: Principal, ticket_id: str) -> Ticket:
        ticket = self.get(principal, ticket_id)
        if ticket.status == "refunded":
            return ticket
        if not principal.is_admin:
            screening = self.screenings.screening_for_sale(ticket.screening_id)
            if screening is None or not self.policy.owner_may_refund(screening.starts_at, self.clock.now()):
                minutes = int(self.policy.cutoff.total_seconds() // 60)
                raise Conflict(
                    "refund_window_closed",
                    f"Tickets can be refunded until {minutes} minutes before the show.",
                    {"cutoff_minutes": minutes},
                )
        refunding = ticket if ticket.status == "refunding" else self.sales.begin_refund(ticket)
        payment = self.sales.get(ticket.payment_id)
        if payment is None or payment.charge_id is None:
            raise Conflict("refund_conflict", "The payment of this ticket cannot be found.")
        self.provider.refund(payment.charge_id, f"refund:{ticket.id}", ticket.price_cents)
        return self.sales.finish_refund(refunding, self.clock.now())
