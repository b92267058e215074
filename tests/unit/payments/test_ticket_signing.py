"""QR payloads: compact, signed with Ed25519 under a key id; anything altered, forged or of an unknown key refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.tickets import Ticket, parse_payload
from chalicelib.services.tickets import TicketSigner, qr_image
from chalicelib.settings import DEV_TICKET_KEYS, get_settings, require_ticket_keys


def seed() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


TICKET = Ticket(
    id="tkt_abc",
    payment_id="pay_1",
    reservation_id="rsv_1",
    screening_id="scr_1",
    seat_id="F12",
    user_id="alice",
    price_cents=1200,
    currency="USD",
    status="valid",
    issued_at=datetime(2026, 6, 1, tzinfo=UTC),
)


def test_a_signed_payload_names_the_ticket_its_screening_and_seat_and_verifies():
    signer = TicketSigner({"k1": seed()}, "k1")

    claim = signer.verify(signer.sign(TICKET))

    assert (claim.kid, claim.ticket_id, claim.screening_id, claim.seat_id) == ("k1", "tkt_abc", "scr_1", "F12")


def test_a_payload_is_compact_enough_for_a_small_qr_code():
    assert len(TicketSigner({"k1": seed()}, "k1").sign(TICKET)) < 150


def test_signing_is_deterministic_so_a_replayed_answer_carries_the_same_payload():
    signer = TicketSigner({"k1": seed()}, "k1")

    assert signer.sign(TICKET) == signer.sign(TICKET)


def test_after_a_rotation_the_old_key_still_verifies_and_the_new_one_signs():
    old, new = seed(), seed()
    before = TicketSigner({"k1": old}, "k1").sign(TICKET)
    rotated = TicketSigner({"k2": new, "k1": old}, "k2")

    assert rotated.verify(before).kid == "k1"
    assert rotated.sign(TICKET).split(".")[1] == "k2"


def test_a_retired_key_id_is_an_invalid_ticket():
    before = TicketSigner({"k1": seed()}, "k1").sign(TICKET)

    with pytest.raises(InvalidRequest) as refused:
        TicketSigner({"k2": seed()}, "k2").verify(before)

    assert refused.value.code == "invalid_ticket" and refused.value.details["reason"] == "unknown_key"


def test_a_payload_signed_by_another_key_under_our_key_id_is_an_invalid_ticket():
    forged = TicketSigner({"k1": seed()}, "k1").sign(TICKET)

    with pytest.raises(InvalidRequest) as refused:
        TicketSigner({"k1": seed()}, "k1").verify(forged)

    assert refused.value.details["reason"] == "bad_signature"


@pytest.mark.parametrize("text", ["", "CT1", "CT1.k1.x", "CT2.k1.YQ.YQ", "CT1.k1.!!.YQ", "CT1.k1.YQ.YQ", "x" * 600])
def test_anything_not_shaped_like_a_payload_is_an_invalid_ticket(text):
    with pytest.raises(InvalidRequest) as refused:
        parse_payload(text)

    assert refused.value.code == "invalid_ticket"


def test_the_qr_code_is_a_png_or_an_svg_without_pillow():
    payload = TicketSigner({"k1": seed()}, "k1").sign(TICKET)

    assert qr_image(payload, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in qr_image(payload, "svg")


def test_local_and_test_stages_sign_with_the_published_dev_key_and_deployed_stages_need_their_own(monkeypatch):
    monkeypatch.setenv("STAGE", "test")
    assert require_ticket_keys(get_settings()) == DEV_TICKET_KEYS

    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("JWT_SIGNING_KEYS", json.dumps({"j1": "secret"}))
    monkeypatch.delenv("TICKET_SIGNING_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="TICKET_SIGNING_KEYS"):
        require_ticket_keys(get_settings())

    keys = {"t1": seed()}
    monkeypatch.setenv("TICKET_SIGNING_KEYS", json.dumps(keys))
    assert require_ticket_keys(get_settings()) == keys and get_settings().ticket_active_kid == "t1"
