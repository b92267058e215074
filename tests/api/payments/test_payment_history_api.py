"""A user's payment history: own only (admin: anyone), newest first, by pages."""

from __future__ import annotations

from chalicelib.adapters.dynamodb.paging import encode_cursor
from tests.api.payments.conftest import hold, pay


def test_the_history_lists_own_payments_newest_first_by_pages(api, alice, bob, screening, clock):
    made = []
    for seat in ("D1", "D2", "D3"):
        made.append(pay(api, alice, hold(api, alice, screening, [seat])["id"]).json["id"])
        clock.advance(1)
    declined = pay(api, alice, hold(api, alice, screening, ["D4"])["id"], card="tok_declined")
    pay(api, bob, hold(api, bob, screening, ["E1"])["id"])

    first = api.get("/api/payments/user/alice?limit=3", token=alice)
    second = api.get(f"/api/payments/user/alice?limit=3&cursor={first.json['next_cursor']}", token=alice)

    assert first.status == second.status == 200
    listed = [p["id"] for p in first.json["items"] + second.json["items"]]
    assert listed == [declined.json["error"]["details"]["payment_id"], *reversed(made)]
    assert first.json["items"][0]["status"] == "declined" and first.json["items"][0]["failure_code"] == "card_declined"
    assert second.json["next_cursor"] is None


def test_an_admin_reads_anyones_history_and_a_customer_only_their_own(api, alice, bob, admin, screening):
    pay(api, alice, hold(api, alice, screening, ["D1"])["id"])

    by_admin = api.get("/api/payments/user/alice", token=admin)
    by_bob = api.get("/api/payments/user/alice", token=bob)

    assert by_admin.status == 200 and len(by_admin.json["items"]) == 1
    assert by_bob.status == 403 and by_bob.json["error"]["code"] == "forbidden"


def test_a_cursor_that_is_not_ours_is_a_400(api, alice):
    response = api.get("/api/payments/user/alice?cursor=bm90LWEtY3Vyc29y", token=alice)

    assert response.status == 400 and response.json["error"]["code"] == "invalid_cursor"


def test_a_history_that_fills_its_page_exactly_has_no_next_cursor(api, alice, screening, clock):
    for seat in ("D1", "D2"):
        pay(api, alice, hold(api, alice, screening, [seat])["id"])
        clock.advance(1)

    page = api.get("/api/payments/user/alice?limit=2", token=alice)

    assert page.status == 200 and len(page.json["items"]) == 2
    assert page.json["next_cursor"] is None


def test_a_cursor_shaped_like_ours_but_not_a_position_in_the_list_is_a_400(api, alice):
    forged = encode_cursor({"id": "pay_x", "user_id": "alice", "created_at_ms": "soon"})

    response = api.get(f"/api/payments/user/alice?cursor={forged}", token=alice)

    assert response.status == 400 and response.json["error"]["code"] == "invalid_cursor"


def test_the_history_shows_what_refunds_of_a_payments_tickets_gave_back_once_each(api, alice, screening):
    key = "key-refunds-history"
    paid = pay(api, alice, hold(api, alice, screening, ["A1", "A2"])["id"], key=key).json  # 1000 + 1200
    cheap, dear = sorted(paid["tickets"], key=lambda ticket: ticket["price_cents"])

    def in_history() -> dict:
        (payment,) = api.get("/api/payments/user/alice", token=alice).json["items"]
        return {name: payment[name] for name in ("status", "amount_cents", "refunded_cents")}

    before = in_history()
    api.post(f"/api/tickets/{cheap['id']}/refund", token=alice)
    api.post(f"/api/tickets/{cheap['id']}/refund", token=alice)  # refunding again changes nothing
    one = in_history()
    api.post(f"/api/tickets/{dear['id']}/refund", token=alice)
    both = in_history()
    replayed = pay(api, alice, paid["reservation_id"], key=key)

    assert before == {"status": "succeeded", "amount_cents": 2200, "refunded_cents": 0}
    assert cheap["price_cents"] == 1000
    assert one == {"status": "succeeded", "amount_cents": 2200, "refunded_cents": 1000}
    assert both == {"status": "succeeded", "amount_cents": 2200, "refunded_cents": 2200}
    assert replayed.status == 201 and replayed.json == paid  # the first answer, as it was given
