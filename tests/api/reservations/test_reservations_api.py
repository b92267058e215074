"""Seat reservations over HTTP: the contract of API.md, status codes and bodies included."""

from __future__ import annotations

import pytest

from tests.api.reservations.conftest import SEATS_TOTAL


def hold(api, token, screening, seats):
    return api.post("/api/seat-reservations", {"screening_id": screening["id"], "seat_ids": seats}, token=token)


def seat_statuses(api, screening) -> dict[str, str]:
    response = api.get(f"/api/seat-reservations/available-seats/{screening['id']}")
    assert response.status == 200
    return {seat["id"]: seat["status"] for seat in response.json["seats"]}


def test_holding_seats_answers_201_with_the_reservation_priced_by_the_screening(api, alice, screening):
    response = hold(api, alice, screening, ["C4", "F1"])

    assert response.status == 201
    body = response.json
    assert body["status"] == "active" and body["user_id"] == "alice"
    assert body["seat_ids"] == ["C4", "F1"]
    assert body["total_cents"] == 1200 + 1800 and body["currency"] == "USD"
    assert body["expires_at"] == "2026-06-01T12:10:00Z"
    assert body["id"]


def test_a_seat_someone_holds_is_a_409_naming_exactly_that_seat_with_alternatives(api, alice, bob, screening):
    hold(api, alice, screening, ["C5"])

    response = hold(api, bob, screening, ["C4", "C5"])

    assert response.status == 409
    error = response.json["error"]
    assert error["code"] == "seats_unavailable"
    assert error["details"]["unavailable_seat_ids"] == ["C5"]
    alternatives = error["details"]["alternatives"]
    assert alternatives and all(len(a["seat_ids"]) == 2 and "C5" not in a["seat_ids"] for a in alternatives)
    assert seat_statuses(api, screening)["C4"] == "available"  # all or nothing


def test_a_blocked_seat_is_unavailable(api, alice, screening):
    response = hold(api, alice, screening, ["F6"])

    assert response.status == 409
    assert response.json["error"]["details"]["unavailable_seat_ids"] == ["F6"]


def test_holding_needs_a_signed_in_user(api, screening):
    response = api.post("/api/seat-reservations", {"screening_id": screening["id"], "seat_ids": ["A1"]})

    assert response.status == 401
    assert response.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"seat_ids": ["A1"]}, "validation_error", "screening_id"),
        ({"screening_id": "x"}, "validation_error", "seat_ids"),
        ({"screening_id": 5, "seat_ids": ["A1"]}, "validation_error", "screening_id"),
        ({"screening_id": "x", "seat_ids": "A1"}, "validation_error", "seat_ids"),
        ({"screening_id": "x", "seat_ids": ["A1"], "price_cents": 1}, "validation_error", "price_cents"),
        ({"screening_id": "x" * 65, "seat_ids": ["A1"]}, "validation_error", "screening_id"),
        ({"screening_id": "../etc", "seat_ids": ["A1"]}, "validation_error", "screening_id"),
    ],
)
def test_a_malformed_hold_request_is_a_400_naming_the_field(api, alice, body, code, field):
    response = api.post("/api/seat-reservations", body, token=alice)

    assert response.status == 400
    assert response.json["error"]["code"] == code
    assert field in [problem["field"] for problem in response.json["error"]["details"]["fields"]]


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00", b"[]", b""])
def test_a_body_that_is_not_a_json_object_is_a_400(api, alice, raw):
    response = api.request(
        "POST", "/api/seat-reservations", body=raw, token=alice, headers={"Content-Type": "application/json"}
    )

    assert response.status == 400
    assert response.json["error"]["code"] == "validation_error"


def test_an_oversized_body_is_a_413(api, alice):
    response = api.post(
        "/api/seat-reservations", {"screening_id": "x", "seat_ids": ["A1"], "pad": "x" * 70_000}, token=alice
    )

    assert response.status == 413
    assert response.json["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("seats", "code"),
    [
        ([f"B{n}" for n in range(1, 9)] + ["C1", "C2", "C3"], "too_many_seats"),
        (["Z1"], "unknown_seat"),
        (["A1", "A1"], "duplicate_seats"),
    ],
)
def test_a_selection_the_screening_cannot_serve_is_a_400_with_its_own_code(api, alice, screening, seats, code):
    response = hold(api, alice, screening, seats)

    assert response.status == 400
    assert response.json["error"]["code"] == code


def test_an_unknown_screening_is_a_404(api, alice):
    response = api.post("/api/seat-reservations", {"screening_id": "scr_missing", "seat_ids": ["A1"]}, token=alice)

    assert response.status == 404
    assert response.json["error"]["code"] == "screening_not_found"


def test_the_owner_sees_the_reservation_and_another_customer_does_not(api, alice, bob, admin, screening):
    reservation = hold(api, alice, screening, ["A2"]).json

    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=alice).json == reservation
    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=admin).status == 200
    other = api.get(f"/api/seat-reservations/{reservation['id']}", token=bob)
    assert other.status == 404 and other.json["error"]["code"] == "reservation_not_found"


def test_releasing_frees_the_seats_and_a_second_release_is_harmless(api, alice, screening):
    reservation = hold(api, alice, screening, ["A2", "A3"]).json

    first = api.delete(f"/api/seat-reservations/{reservation['id']}", token=alice)
    second = api.delete(f"/api/seat-reservations/{reservation['id']}", token=alice)

    assert first.status == 200 and sorted(first.json["released_seat_ids"]) == ["A2", "A3"]
    assert second.status == 200 and second.json["released_seat_ids"] == []
    assert seat_statuses(api, screening)["A2"] == "available"
    assert api.get(f"/api/seat-reservations/{reservation['id']}", token=alice).json["status"] == "released"


def test_another_customer_cannot_release_my_hold(api, alice, bob, screening):
    reservation = hold(api, alice, screening, ["A2"]).json

    response = api.delete(f"/api/seat-reservations/{reservation['id']}", token=bob)

    assert response.status == 404
    assert seat_statuses(api, screening)["A2"] == "held"


def test_release_by_user_and_screening_is_for_that_user_or_an_admin(api, alice, bob, admin, screening):
    hold(api, alice, screening, ["D1", "D2"])
    path = f"/api/seat-reservations/user/alice/screening/{screening['id']}"

    assert api.delete(path, token=bob).status == 403
    response = api.delete(path, token=admin)

    assert response.status == 200 and sorted(response.json["released_seat_ids"]) == ["D1", "D2"]


def test_a_second_hold_replaces_my_first_one_for_that_screening(api, alice, screening):
    first = hold(api, alice, screening, ["B1", "B2"]).json

    second = hold(api, alice, screening, ["B2", "B3"])

    assert second.status == 201
    statuses = seat_statuses(api, screening)
    assert (statuses["B1"], statuses["B2"], statuses["B3"]) == ("available", "held", "held")
    assert api.get(f"/api/seat-reservations/{first['id']}", token=alice).json["status"] == "replaced"


def test_my_reservations_are_listed_for_me_only(api, alice, bob, screening):
    reservation = hold(api, alice, screening, ["E1"]).json

    mine = api.get("/api/seat-reservations/user/alice", token=alice)

    assert mine.status == 200 and [r["id"] for r in mine.json["items"]] == [reservation["id"]]
    assert api.get("/api/seat-reservations/user/alice", token=bob).status == 403


def test_my_reservations_come_by_pages_newest_first_each_once(api, alice, screening, clock):
    made = []
    for seats in (["E1"], ["E2", "E3"], ["E4"]):  # each replaces the one before: all three stay in the history
        made.append(hold(api, alice, screening, seats).json["id"])
        clock.advance(1)

    first = api.get("/api/seat-reservations/user/alice?limit=2", token=alice)
    second = api.get(f"/api/seat-reservations/user/alice?limit=2&cursor={first.json['next_cursor']}", token=alice)
    forged = api.get("/api/seat-reservations/user/alice?cursor=bm90LWEtY3Vyc29y", token=alice)

    assert [r["id"] for r in first.json["items"] + second.json["items"]] == list(reversed(made))
    assert [r["status"] for r in first.json["items"]] == ["active", "replaced"]
    assert second.json["next_cursor"] is None
    assert forged.status == 400 and forged.json["error"]["code"] == "invalid_cursor"


def test_the_seat_map_is_public_and_shows_every_seat_with_its_price_and_status(api, alice, screening):
    hold(api, alice, screening, ["C1"])

    response = api.get(f"/api/seat-reservations/available-seats/{screening['id']}")

    assert response.status == 200
    body = response.json
    assert len(body["seats"]) == SEATS_TOTAL
    by_id = {seat["id"]: seat for seat in body["seats"]}
    assert by_id["C1"]["status"] == "held" and by_id["F6"]["status"] == "blocked"
    assert by_id["F1"] == {
        "id": "F1",
        "row": "F",
        "number": 1,
        "category": "vip",
        "price_cents": 1800,
        "status": "available",
    }
    assert body["available_count"] == SEATS_TOTAL - 2


def test_a_hold_past_its_expiry_shows_as_available_before_anything_released_it(api, alice, screening, clock):
    hold(api, alice, screening, ["C1"])

    clock.advance(600)

    assert seat_statuses(api, screening)["C1"] == "available"


def test_the_seat_map_of_an_unknown_screening_is_a_404(api):
    response = api.get("/api/seat-reservations/available-seats/scr_missing")

    assert response.status == 404 and response.json["error"]["code"] == "screening_not_found"


def test_a_hold_can_be_extended_once(api, alice, screening, clock):
    reservation = hold(api, alice, screening, ["E5"]).json
    clock.advance(60)

    extended = api.post(f"/api/seat-reservations/{reservation['id']}/extend", token=alice)
    again = api.post(f"/api/seat-reservations/{reservation['id']}/extend", token=alice)

    assert extended.status == 200 and extended.json["expires_at"] == "2026-06-01T12:15:00Z"
    assert extended.json["extended"] is True
    assert again.status == 409 and again.json["error"]["code"] == "already_extended"


def test_suggestions_offer_free_blocks_best_first(api, alice, screening):
    hold(api, alice, screening, ["D3", "D4"])

    response = api.post("/api/seat-reservations/suggest-alternatives", {"screening_id": screening["id"], "count": 3})

    assert response.status == 200
    suggestions = response.json["suggestions"]
    assert suggestions
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    for suggestion in suggestions:
        assert len(suggestion["seat_ids"]) == 3 and not {"D3", "D4"} & set(suggestion["seat_ids"])
        assert suggestion["reasons"]


def test_suggestions_for_accessible_seats_offer_only_accessible_seats(api, screening):
    response = api.post(
        "/api/seat-reservations/suggest-alternatives", {"screening_id": screening["id"], "count": 1, "accessible": True}
    )

    assert response.status == 200
    assert {s["seat_ids"][0] for s in response.json["suggestions"]} <= {"A1", "A8"}


def test_suggestions_need_a_count_or_seats(api, screening):
    response = api.post("/api/seat-reservations/suggest-alternatives", {"screening_id": screening["id"]})

    assert response.status == 400 and response.json["error"]["code"] == "validation_error"
