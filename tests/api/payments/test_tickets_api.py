"""Tickets over HTTP: delivery, reading, QR codes, check-in at the door, refunds that put the seat back on sale."""

from __future__ import annotations

import base64

import pytest

from tests.api.payments.conftest import hold, ledger, pay, seat_statuses


@pytest.fixture
def paid(api, alice, screening) -> dict:
    """Alice's paid reservation of C4 and C5: the payment's answer."""
    response = pay(api, alice, hold(api, alice, screening, ["C4", "C5"])["id"])
    assert response.status == 201, response.json
    return response.json


def ticket_for(paid, seat) -> dict:
    return next(t for t in paid["tickets"] if t["seat_id"] == seat)


def check_in(api, token, payload, screening_id=None):
    body = {"qr_payload": payload} | ({"screening_id": screening_id} if screening_id else {})
    return api.post("/api/tickets/check-in", body, token=token)


# Delivery and reading


def test_the_tickets_of_a_paid_reservation_are_201_the_first_time_and_200_after(api, alice, paid):
    first = api.post("/api/tickets", {"reservation_id": paid["reservation_id"]}, token=alice)
    again = api.post("/api/tickets", {"reservation_id": paid["reservation_id"]}, token=alice)

    assert (first.status, again.status) == (201, 200)
    assert first.json == again.json
    assert sorted(t["id"] for t in first.json["items"]) == sorted(t["id"] for t in paid["tickets"])


def test_tickets_of_an_unpaid_reservation_are_a_409_payment_required(api, alice, screening):
    reservation = hold(api, alice, screening, ["D1"])

    response = api.post("/api/tickets", {"reservation_id": reservation["id"]}, token=alice)

    assert response.status == 409 and response.json["error"]["code"] == "payment_required"


def test_the_owner_and_an_admin_read_a_ticket_and_its_list(api, alice, admin, paid):
    ticket = ticket_for(paid, "C4")

    own = api.get(f"/api/tickets/{ticket['id']}", token=alice)
    by_admin = api.get(f"/api/tickets/{ticket['id']}", token=admin)
    listed = api.get("/api/tickets/user/alice", token=alice)

    assert own.status == by_admin.status == 200 and own.json == by_admin.json == ticket
    assert listed.status == 200 and sorted(t["seat_id"] for t in listed.json["items"]) == ["C4", "C5"]


def test_a_regulars_tickets_come_by_pages_each_once_and_a_foreign_cursor_is_a_400(api, alice, screening, clock):
    bought = set()
    for seats in (["D1", "D2"], ["D3"], ["D4", "D5"]):
        payment = pay(api, alice, hold(api, alice, screening, seats)["id"]).json
        bought |= {t["id"] for t in payment["tickets"]}
        clock.advance(1)

    first = api.get("/api/tickets/user/alice?limit=2", token=alice)
    second = api.get(f"/api/tickets/user/alice?limit=2&cursor={first.json['next_cursor']}", token=alice)
    third = api.get(f"/api/tickets/user/alice?limit=2&cursor={second.json['next_cursor']}", token=alice)
    payments_cursor = api.get("/api/payments/user/alice?limit=1", token=alice).json["next_cursor"]
    foreign = api.get(f"/api/tickets/user/alice?cursor={payments_cursor}", token=alice)

    pages = [first, second, third]
    assert [len(page.json["items"]) for page in pages] == [2, 2, 1]
    listed = [t["id"] for page in pages for t in page.json["items"]]
    assert sorted(listed) == sorted(bought)
    assert {t["seat_id"] for t in first.json["items"]} == {"D4", "D5"}  # the newest purchase first
    assert third.json["next_cursor"] is None
    assert foreign.status == 400 and foreign.json["error"]["code"] == "invalid_cursor"


def test_a_page_holds_20_tickets_unless_asked_and_the_next_one_the_rest(api, alice, screening):
    for row in "BCD":
        pay(api, alice, hold(api, alice, screening, [f"{row}{n}" for n in range(1, 9)])["id"])

    first = api.get("/api/tickets/user/alice", token=alice)
    rest = api.get(f"/api/tickets/user/alice?cursor={first.json['next_cursor']}", token=alice)

    assert len(first.json["items"]) == 20 and len(rest.json["items"]) == 4
    assert rest.json["next_cursor"] is None
    assert len({t["id"] for t in first.json["items"] + rest.json["items"]}) == 24


def test_a_cursor_does_not_open_another_users_tickets_and_a_page_is_at_most_100(api, alice, bob, paid):
    alices_cursor = api.get("/api/tickets/user/alice?limit=1", token=alice).json["next_cursor"]

    answers = {
        "bob, alice's list with her cursor": api.get(f"/api/tickets/user/alice?cursor={alices_cursor}", token=bob),
        "bob, his list with alice's cursor": api.get(f"/api/tickets/user/bob?cursor={alices_cursor}", token=bob),
        "limit 101": api.get("/api/tickets/user/alice?limit=101", token=alice),
    }

    assert {name: (r.status, r.json["error"]["code"]) for name, r in answers.items()} == {
        "bob, alice's list with her cursor": (403, "forbidden"),
        "bob, his list with alice's cursor": (400, "invalid_cursor"),
        "limit 101": (400, "validation_error"),
    }


def test_another_user_reads_and_changes_none_of_alices_payments_or_tickets(api, bob, paid):
    ticket = ticket_for(paid, "C4")

    answers = {
        "ticket": api.get(f"/api/tickets/{ticket['id']}", token=bob),
        "qr": api.get(f"/api/tickets/{ticket['id']}/qr", token=bob, headers={"Accept": "*/*"}),
        "tickets of alice": api.get("/api/tickets/user/alice", token=bob),
        "payments of alice": api.get("/api/payments/user/alice", token=bob),
        "deliver": api.post("/api/tickets", {"reservation_id": paid["reservation_id"]}, token=bob),
        "refund": api.post(f"/api/tickets/{ticket['id']}/refund", token=bob),
        "pay": pay(api, bob, paid["reservation_id"]),
    }

    assert {name: r.status for name, r in answers.items()} == {
        "ticket": 404,
        "qr": 404,
        "tickets of alice": 403,
        "payments of alice": 403,
        "deliver": 409,
        "refund": 404,
        "pay": 404,
    }
    leaked = [name for name, r in answers.items() if ticket["qr_payload"].encode() in r.body or b'"C4"' in r.body]
    assert leaked == []
    assert check_in_refused_for_customers(api, bob, ticket)


def check_in_refused_for_customers(api, token, ticket) -> bool:
    return check_in(api, token, ticket["qr_payload"]).status == 403


# QR codes


def test_the_qr_code_is_a_png_by_default_and_svg_when_asked(api, alice, paid):
    ticket = ticket_for(paid, "C4")

    png = api.get(f"/api/tickets/{ticket['id']}/qr", token=alice, headers={"Accept": "*/*"})
    asked_png = api.get(f"/api/tickets/{ticket['id']}/qr", token=alice, headers={"Accept": "image/png"})
    svg = api.get(f"/api/tickets/{ticket['id']}/qr", token=alice, headers={"Accept": "image/svg+xml"})

    assert png.status == asked_png.status == 200 and png.headers["content-type"] == "image/png"
    assert png.body.startswith(b"\x89PNG\r\n\x1a\n") and png.body == asked_png.body
    assert svg.status == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.body


def test_the_public_keys_verify_a_payload_offline(api, paid):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys = api.get("/api/tickets/keys").json["keys"]
    version, kid, body, signature = ticket_for(paid, "C4")["qr_payload"].split(".")

    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(keys[kid] + "=="))
    public.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), f"{version}.{kid}.{body}".encode())


# Check-in


def test_staff_admit_a_ticket_once_and_the_second_scan_names_the_first(api, staff, admin, paid, clock):
    payload = ticket_for(paid, "C4")["qr_payload"]

    first = check_in(api, staff, payload)
    clock.advance(30)
    second = check_in(api, admin, payload)

    assert first.status == 200
    assert first.json["ticket"]["status"] == "used" and first.json["checked_in_at"] == "2026-06-01T12:00:00Z"
    assert second.status == 409 and second.json["error"]["code"] == "already_checked_in"
    assert second.json["error"]["details"]["checked_in_at"] == "2026-06-01T12:00:00Z"
    assert ticket_for(paid, "C5")["status"] == "valid"


def _altered(payload: str, part: int) -> str:
    parts = payload.split(".")
    text = parts[part]
    parts[part] = text[:-2] + ("AA" if text[-2:] != "AA" else "BB")
    return ".".join(parts)


def _forged_for(payload: str, seat: str) -> str:
    version, kid, body, signature = payload.split(".")
    fields = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split("|")
    fields[2] = seat
    forged_body = base64.urlsafe_b64encode("|".join(fields).encode()).decode().rstrip("=")
    return f"{version}.{kid}.{forged_body}.{signature}"


def _signed_with_another_key(payload: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    version, kid, body, _ = payload.split(".")
    signature = Ed25519PrivateKey.generate().sign(f"{version}.{kid}.{body}".encode())
    return f"{version}.{kid}.{body}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p: _altered(p, 2), id="altered body"),
        pytest.param(lambda p: _altered(p, 3), id="altered signature"),
        pytest.param(lambda p: _forged_for(p, "A1"), id="another seat, same signature"),
        pytest.param(_signed_with_another_key, id="signed with a key we do not have"),
        pytest.param(lambda p: p.replace(".tdev-1.", ".retired-9."), id="unknown key id"),
        pytest.param(lambda p: p.split(".", 1)[1], id="not our format"),
        pytest.param(lambda p: "tkt_" + p.split(".")[2], id="a bare ticket id"),
    ],
)
def test_a_forged_or_altered_payload_is_a_400_invalid_ticket_and_admits_nobody(api, staff, paid, tamper):
    payload = ticket_for(paid, "C4")["qr_payload"]

    response = check_in(api, staff, tamper(payload))

    assert response.status == 400 and response.json["error"]["code"] == "invalid_ticket"
    assert check_in(api, staff, payload).status == 200  # the real ticket was not spent


def test_a_ticket_of_another_screening_is_refused_at_that_door(api, staff, paid):
    response = check_in(api, staff, ticket_for(paid, "C4")["qr_payload"], screening_id="scr_other")

    assert response.status == 409 and response.json["error"]["code"] == "wrong_screening"


# Refunds


def test_a_refund_gives_the_money_back_once_and_puts_the_seat_back_on_sale(api, alice, staff, paid):
    ticket = ticket_for(paid, "C4")

    refunded = api.post(f"/api/tickets/{ticket['id']}/refund", token=alice)
    again = api.post(f"/api/tickets/{ticket['id']}/refund", token=alice)

    assert refunded.status == 200 and refunded.json["status"] == "refunded"
    assert again.status == 200 and again.json["status"] == "refunded"
    books = ledger()
    assert [(r.amount_cents, r.charge_id) for r in books["refunds"]] == [(1200, books["charges"][0].object_id)]
    assert seat_statuses(api, {"id": paid["screening_id"]})["C4"] == "available"
    assert seat_statuses(api, {"id": paid["screening_id"]})["C5"] == "sold"
    door = check_in(api, staff, ticket["qr_payload"])
    assert door.status == 409 and door.json["error"]["code"] == "ticket_refunded"


def test_a_refunded_seat_can_be_held_and_bought_again_by_someone_else(api, alice, bob, paid):
    api.post(f"/api/tickets/{ticket_for(paid, 'C4')['id']}/refund", token=alice)

    reservation = hold(api, bob, {"id": paid["screening_id"]}, ["C4"])
    bought = pay(api, bob, reservation["id"])

    assert bought.status == 201 and bought.json["tickets"][0]["seat_id"] == "C4"
    assert seat_statuses(api, {"id": paid["screening_id"]})["C4"] == "sold"
    assert api.get("/api/tickets/user/bob", token=bob).json["items"][0]["status"] == "valid"


def test_an_admin_can_refund_after_the_owners_cutoff(api, token_for, paid, clock):
    ticket = ticket_for(paid, "C4")
    clock.set(clock.now().replace(day=2, hour=17, minute=30))  # 90 minutes before the show (cutoff 120)

    response = api.post(f"/api/tickets/{ticket['id']}/refund", token=token_for("admin-1", "admin"))

    assert response.status == 200 and response.json["status"] == "refunded"
    assert len(ledger()["refunds"]) == 1


def test_the_owners_refund_after_the_cutoff_is_a_409(api, token_for, paid, clock):
    ticket = ticket_for(paid, "C4")
    clock.set(clock.now().replace(day=2, hour=17, minute=30))
    alice_now = token_for("alice", "customer")  # a token issued at the new time

    response = api.post(f"/api/tickets/{ticket['id']}/refund", token=alice_now)

    assert response.status == 409 and response.json["error"]["code"] == "refund_window_closed"
    assert ledger()["refunds"] == []


def test_a_checked_in_ticket_cannot_be_refunded(api, alice, staff, paid):
    ticket = ticket_for(paid, "C4")
    check_in(api, staff, ticket["qr_payload"])

    response = api.post(f"/api/tickets/{ticket['id']}/refund", token=alice)

    assert response.status == 409 and response.json["error"]["code"] == "already_checked_in"
    assert ledger()["refunds"] == []
