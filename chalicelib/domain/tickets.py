"""Tickets: one per sold seat, and the compact payload its QR code carries.

A ticket is ``valid`` until it is scanned at the door (``used``, once: a conditional write) or refunded
(``refunded``, and its seat is on sale again). The QR payload names the ticket, its screening and seat,
and is signed by the server (Ed25519) under a key id, so keys rotate and a door scanner holding only the
public keys can verify it offline::

    CT1.<kid>.<base64url(ticket_id "|" screening_id "|" seat_id)>.<base64url(signature)>

The signature covers everything before its dot. Anything else, or a key id the verifier does not know,
is `invalid_ticket`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.domain.errors import InvalidRequest

TicketStatus = Literal["valid", "used", "refunded", "refunding"]
PAYLOAD_VERSION = "CT1"
MAX_PAYLOAD_CHARS = 512
_PART = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


@dataclass(frozen=True)
class Ticket:
    id: str
    payment_id: str
    reservation_id: str
    screening_id: str
    seat_id: str
    user_id: str
    price_cents: int
    currency: str
    status: TicketStatus
    issued_at: datetime
    checked_in_at: datetime | None = None
    refunded_at: datetime | None = None

    def moved(self, status: TicketStatus, **changes: object) -> Ticket:
        return replace(self, status=status, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RefundPolicy:
    """An owner may refund a ticket until `cutoff` before the show; an admin at any time."""

    cutoff: timedelta = timedelta(hours=2)

    def owner_may_refund(self, starts_at: datetime, now: datetime) -> bool:
        return now < starts_at - self.cutoff


@dataclass(frozen=True)
class TicketClaim:
    """What a QR payload says, before anyone checked its signature."""

    kid: str
    ticket_id: str
    screening_id: str
    seat_id: str
    signed_part: bytes
    signature: bytes


def invalid_ticket(why: str) -> InvalidRequest:
    return InvalidRequest("invalid_ticket", "This is not a ticket we issued (or it was altered).", {"reason": why})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed_part(kid: str, ticket_id: str, screening_id: str, seat_id: str) -> str:
    body = _b64(f"{ticket_id}|{screening_id}|{seat_id}".encode())
    return f"{PAYLOAD_VERSION}.{kid}.{body}"


def payload(signed: str, signature: bytes) -> str:
    return f"{signed}.{_b64(signature)}"


def parse_payload(text: str) -> TicketClaim:
    """Split a payload into its claim; `invalid_ticket` when it is not shaped like one of ours."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD_CHARS:
        raise invalid_ticket("malformed")
    parts = text.split(".")
    if len(parts) != 4 or parts[0] != PAYLOAD_VERSION or not all(_PART.match(part) for part in parts[1:]):
        raise invalid_ticket("malformed")
    _, kid, body, signature = parts
    try:
        fields = _unb64(body).decode().split("|")
        raw_signature = _unb64(signature)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid_ticket("malformed") from exc
    if len(fields) != 3 or not all(fields):
        raise invalid_ticket("malformed")
    ticket_id, screening_id, seat_id = fields
    return TicketClaim(kid, ticket_id, screening_id, seat_id, f"{PAYLOAD_VERSION}.{kid}.{body}".encode(), raw_signature)
