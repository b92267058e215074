"""Screenings over HTTP: scheduling without overlap, the seat inventory, listing, availability, queue mode."""

from __future__ import annotations

import base64
import json

import pytest
from catalog_data import TOMORROW_EVENING

from chalicelib.adapters.dynamodb.models.booking import SeatItem
from chalicelib.adapters.dynamodb.models.catalog import ScreeningItem, TheaterSlotItem
from chalicelib.domain.clock import epoch_ms


@pytest.fixture
def movie(catalog):
    return catalog.movie()  # 122 minutes: at 19:00 it ends 21:02, cleaned (20 min) by 21:22, free at 21:25


@pytest.fixture
def theater(catalog):
    return catalog.theater()


def seats_of(screening_id: str) -> dict[str, SeatItem]:
    return {seat.seat_id: seat for seat in SeatItem.query(screening_id)}


def ids(response) -> list[str]:
    return [screening["id"] for screening in response.json["items"]]


# Scheduling


def test_an_admin_schedules_a_screening_and_gets_its_times_and_seat_counts(api, admin, movie, theater):
    body = {"movie_id": movie["id"], "theater_id": theater["id"], "starts_at": TOMORROW_EVENING}

    response = api.post("/api/screenings", body, token=admin)

    assert response.status == 201
    screening_id = response.json["id"]
    assert response.headers["location"] == f"/api/screenings/{screening_id}"
    assert response.json == {
        "id": screening_id,
        "movie_id": movie["id"],
        "theater_id": theater["id"],
        "starts_at": "2026-06-02T19:00:00Z",
        "ends_at": "2026-06-02T21:02:00Z",
        "seats_total": 7,
        "seats_available": 6,
        "queue_mode": False,
    }
    assert api.get(f"/api/screenings/{screening_id}").json == response.json


def test_scheduling_creates_exactly_the_layouts_seats_with_category_and_price(api, catalog, movie, theater):
    screening = catalog.screening(movie["id"], theater["id"])

    seats = seats_of(screening["id"])
    shown = {
        seat["id"]: seat for seat in api.get(f"/api/seat-reservations/available-seats/{screening['id']}").json["seats"]
    }

    assert sorted(seats) == ["A1", "A2", "A3", "A4", "B1", "B2", "B3"]
    assert {seat_id: seat.status for seat_id, seat in seats.items() if seat.status != "available"} == {"B3": "blocked"}
    assert all(seat.hold_id is None and seat.version == 0 for seat in seats.values())
    # Row, number, category and price are the layout's: the seat map shows them from it.
    a1, b3 = shown["A1"], shown["B3"]
    assert (a1["row"], a1["number"], a1["category"], a1["price_cents"], a1["status"]) == (
        "A",
        1,
        "accessible",
        1000,
        "available",
    )
    assert (b3["row"], b3["number"], b3["category"], b3["price_cents"], b3["status"]) == (
        "B",
        3,
        "vip",
        1800,
        "blocked",
    )
    assert {shown[seat_id]["price_cents"] for seat_id in ("A2", "A3", "A4")} == {1200}


def test_a_start_given_with_an_offset_is_stored_and_shown_in_utc(catalog, movie, theater):
    screening = catalog.screening(movie["id"], theater["id"], "2026-06-02T21:00:00+02:00")

    assert screening["starts_at"] == "2026-06-02T19:00:00Z"


def test_a_start_in_the_past_is_400_starts_in_past(catalog, movie, theater):
    response = catalog.schedule(movie["id"], theater["id"], "2026-06-01T11:55:00Z")

    assert response.status == 400
    assert response.json["error"]["code"] == "starts_in_past"
    assert ScreeningItem.count() == 0


def test_a_start_off_a_five_minute_mark_is_400_naming_starts_at(catalog, movie, theater):
    response = catalog.schedule(movie["id"], theater["id"], "2026-06-02T19:02:00Z")

    assert response.status == 400
    assert response.json["error"]["code"] == "validation_error"
    assert response.json["error"]["details"]["fields"][0]["field"] == "starts_at"


def test_an_unknown_movie_or_theater_is_404_and_leaves_nothing_behind(catalog, movie, theater):
    no_movie = catalog.schedule("mov_nothing", theater["id"], TOMORROW_EVENING)
    no_theater = catalog.schedule(movie["id"], "thr_nothing", TOMORROW_EVENING)

    assert (no_movie.status, no_movie.json["error"]["code"]) == (404, "movie_not_found")
    assert (no_theater.status, no_theater.json["error"]["code"]) == (404, "theater_not_found")
    assert ScreeningItem.count() == 0
    assert list(SeatItem.scan()) == []


@pytest.mark.parametrize(
    "second_start",
    [
        "2026-06-02T19:00:00Z",  # the same time
        "2026-06-02T21:00:00Z",  # before the movie ends
        "2026-06-02T21:20:00Z",  # during cleaning
        "2026-06-02T17:00:00Z",  # ends (19:02) after the first starts
        "2026-06-02T16:45:00Z",  # ends 18:47, cleaning until 19:07
    ],
)
def test_an_overlapping_screening_in_the_same_theater_is_409_naming_the_other(catalog, movie, theater, second_start):
    first = catalog.screening(movie["id"], theater["id"])

    response = catalog.schedule(movie["id"], theater["id"], second_start)

    assert response.status == 409
    error = response.json["error"]
    assert error["code"] == "screening_overlap"
    assert error["details"]["screening_id"] == first["id"]
    assert error["details"]["starts_at"] == "2026-06-02T19:00:00Z"
    assert first["id"] in error["message"]
    assert ScreeningItem.count() == 1


def test_a_refused_screening_leaves_no_seats_and_no_claimed_slots(catalog, movie, theater):
    first = catalog.screening(movie["id"], theater["id"])
    slots_before = {(slot.slot, slot.screening_id) for slot in TheaterSlotItem.query(theater["id"])}

    catalog.schedule(movie["id"], theater["id"], "2026-06-02T21:00:00Z")

    assert {seat.screening_id for seat in SeatItem.scan()} == {first["id"]}
    assert {(slot.slot, slot.screening_id) for slot in TheaterSlotItem.query(theater["id"])} == slots_before


@pytest.mark.parametrize("second_start", ["2026-06-02T21:25:00Z", "2026-06-02T16:35:00Z"])
def test_a_screening_right_after_cleaning_or_cleaned_just_in_time_is_accepted(catalog, movie, theater, second_start):
    catalog.screening(movie["id"], theater["id"])

    response = catalog.schedule(movie["id"], theater["id"], second_start)  # 16:35 ends 18:37, clean by 18:57

    assert response.status == 201


def test_the_same_time_in_another_theater_is_fine(catalog, movie, theater):
    catalog.screening(movie["id"], theater["id"])
    other = catalog.theater("Screen 2")

    assert catalog.schedule(movie["id"], other["id"], TOMORROW_EVENING).status == 201


def test_cleaning_time_comes_from_settings(api, admin, app_services, catalog, movie, theater):
    from dataclasses import replace

    app_services.settings = replace(app_services.settings, cleaning_minutes=0)
    app_services.__dict__.pop("catalog", None)
    catalog.screening(movie["id"], theater["id"])

    assert catalog.schedule(movie["id"], theater["id"], "2026-06-02T21:05:00Z").status == 201


# Reading one screening


def test_seats_available_counts_free_seats_and_holds_that_expired(api, clock, catalog, movie, theater):
    screening = catalog.screening(movie["id"], theater["id"])
    now_ms = epoch_ms(clock.now())
    seats = seats_of(screening["id"])
    seats["A1"].update(actions=[SeatItem.status.set("held"), SeatItem.expires_at_ms.set(now_ms + 60_000)])
    seats["A2"].update(actions=[SeatItem.status.set("held"), SeatItem.expires_at_ms.set(now_ms - 1)])
    seats["A3"].update(actions=[SeatItem.status.set("sold")])

    response = api.get(f"/api/screenings/{screening['id']}")

    assert response.status == 200
    assert response.json["seats_total"] == 7
    assert response.json["seats_available"] == 4  # A2 (its hold expired), A4, B1, B2; never B3 (blocked)
    clock.advance(61)
    assert api.get(f"/api/screenings/{screening['id']}").json["seats_available"] == 5  # and A1 now


def test_an_unknown_screening_is_404_screening_not_found(api):
    response = api.get("/api/screenings/scr_nothing")

    assert response.status == 404
    assert response.json["error"]["code"] == "screening_not_found"


def test_the_detail_is_cacheable_briefly_and_answers_304(api, catalog, movie, theater):
    screening = catalog.screening(movie["id"], theater["id"])
    first = api.get(f"/api/screenings/{screening['id']}")

    again = api.get(f"/api/screenings/{screening['id']}", headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"] == "public, max-age=5"
    assert again.status == 304
    assert again.body == b""


# Queue mode


def test_an_admin_switches_queue_mode_on_and_off(api, admin, catalog, movie, theater):
    screening = catalog.screening(movie["id"], theater["id"])

    on = api.patch(f"/api/screenings/{screening['id']}", {"queue_mode": True}, token=admin)

    assert on.status == 200
    assert on.json == {**screening, "queue_mode": True}
    assert api.get(f"/api/screenings/{screening['id']}").json["queue_mode"] is True
    off = api.patch(f"/api/screenings/{screening['id']}", {"queue_mode": False}, token=admin)
    assert off.json["queue_mode"] is False


def test_queue_mode_of_an_unknown_screening_is_404_and_creates_nothing(api, admin):
    response = api.patch("/api/screenings/scr_nothing", {"queue_mode": True}, token=admin)

    assert response.status == 404
    assert response.json["error"]["code"] == "screening_not_found"
    assert ScreeningItem.count() == 0


# Listing


@pytest.fixture
def schedule(catalog, movie, theater):
    """Two movies in two theaters over three days."""
    other_movie = catalog.movie(title="The Matrix", duration_minutes=136)
    other_theater = catalog.theater("Screen 2")
    plan = [
        ("m1_t1_day2", movie, theater, "2026-06-02T19:00:00Z"),
        ("m2_t2_day2", other_movie, other_theater, "2026-06-02T19:00:00Z"),
        ("m2_t1_day3", other_movie, theater, "2026-06-03T14:00:00Z"),
        ("m1_t2_day3", movie, other_theater, "2026-06-03T20:00:00Z"),
        ("m1_t1_day4", movie, theater, "2026-06-04T10:00:00Z"),
    ]
    made = {name: catalog.screening(m["id"], t["id"], starts_at)["id"] for name, m, t, starts_at in plan}
    return {"movie": movie, "other_movie": other_movie, "theater": theater, "other_theater": other_theater, **made}


def test_the_list_without_filters_shows_the_coming_week_soonest_first(api, schedule):
    response = api.get("/api/screenings")

    assert response.status == 200
    assert ids(response)[2:] == [schedule["m2_t1_day3"], schedule["m1_t2_day3"], schedule["m1_t1_day4"]]
    assert set(ids(response)[:2]) == {schedule["m1_t1_day2"], schedule["m2_t2_day2"]}
    assert response.json["next_cursor"] is None
    assert "seats_available" not in response.json["items"][0]
    assert response.headers["cache-control"] == "public, max-age=15"


def test_the_list_filters_by_movie_by_theater_and_by_both(api, schedule):
    movie, theater = schedule["movie"]["id"], schedule["theater"]["id"]

    by_movie = api.get(f"/api/screenings?movie_id={movie}")
    by_theater = api.get(f"/api/screenings?theater_id={theater}")
    by_both = api.get(f"/api/screenings?movie_id={movie}&theater_id={theater}")

    assert ids(by_movie) == [schedule["m1_t1_day2"], schedule["m1_t2_day3"], schedule["m1_t1_day4"]]
    assert ids(by_theater) == [schedule["m1_t1_day2"], schedule["m2_t1_day3"], schedule["m1_t1_day4"]]
    assert ids(by_both) == [schedule["m1_t1_day2"], schedule["m1_t1_day4"]]


def test_the_list_filters_by_date_range_with_or_without_other_filters(api, schedule):
    one_day = api.get("/api/screenings?from=2026-06-03&to=2026-06-03")
    a_window = api.get("/api/screenings?from=2026-06-02T19:00:00Z&to=2026-06-03T20:00:00Z")
    movie_on_a_day = api.get(f"/api/screenings?movie_id={schedule['movie']['id']}&from=2026-06-04")

    assert ids(one_day) == [schedule["m2_t1_day3"], schedule["m1_t2_day3"]]
    assert len(ids(a_window)) == 3  # "to" is exclusive
    assert schedule["m1_t2_day3"] not in ids(a_window)
    assert ids(movie_on_a_day) == [schedule["m1_t1_day4"]]


def test_started_screenings_drop_out_of_the_default_list(api, clock, schedule):
    from datetime import timedelta

    clock.advance(timedelta(days=1, hours=10).total_seconds())  # 2026-06-02T22:00Z

    assert ids(api.get(f"/api/screenings?movie_id={schedule['movie']['id']}")) == [
        schedule["m1_t2_day3"],
        schedule["m1_t1_day4"],
    ]


def test_pages_of_a_date_range_follow_the_cursor_across_days(api, schedule):
    seen, cursor = [], None
    for _ in range(10):
        page = api.get("/api/screenings?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200
        seen += ids(page)
        cursor = page.json["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == 5
    assert set(seen) == {
        schedule[name] for name in ("m1_t1_day2", "m2_t2_day2", "m2_t1_day3", "m1_t2_day3", "m1_t1_day4")
    }


def test_pages_of_a_theater_follow_the_cursor(api, schedule):
    theater = schedule["theater"]["id"]

    first = api.get(f"/api/screenings?theater_id={theater}&limit=2")
    second = api.get(f"/api/screenings?theater_id={theater}&limit=2&cursor={first.json['next_cursor']}")

    assert ids(first) + ids(second) == [schedule["m1_t1_day2"], schedule["m2_t1_day3"], schedule["m1_t1_day4"]]
    assert second.json["next_cursor"] is None


def test_a_cursor_of_another_filter_or_outside_the_range_is_400_invalid_cursor(api, schedule):
    theater, other = schedule["theater"]["id"], schedule["other_theater"]["id"]
    cursor = api.get(f"/api/screenings?theater_id={theater}&limit=1").json["next_cursor"]
    outside = base64.urlsafe_b64encode(
        json.dumps({"day": "2026-06-02", "starts_at": "2020-01-01T00:00:00Z", "id": "scr_x"}).encode()
    ).decode()

    for path in [
        f"/api/screenings?theater_id={other}&cursor={cursor}",
        f"/api/screenings?movie_id={schedule['movie']['id']}&cursor={cursor}",
        f"/api/screenings?cursor={outside}",
    ]:
        response = api.get(path)
        assert response.status == 400, path
        assert response.json["error"]["code"] == "invalid_cursor"


def test_a_date_range_backwards_or_too_wide_without_movie_or_theater_is_400(api):
    backwards = api.get("/api/screenings?from=2026-06-05&to=2026-06-04")
    too_wide = api.get("/api/screenings?from=2026-06-01&to=2026-08-01")

    assert backwards.status == 400
    assert backwards.json["error"]["details"]["fields"][0]["field"] == "to"
    assert too_wide.status == 400
    assert too_wide.json["error"]["details"]["fields"][0]["field"] == "to"


def test_a_wide_range_is_fine_for_one_theater(api, schedule):
    response = api.get(f"/api/screenings?theater_id={schedule['theater']['id']}&from=2026-06-01&to=2027-06-01")

    assert response.status == 200
    assert len(ids(response)) == 3


def test_the_list_answers_304_when_unchanged_and_200_after_a_new_screening(api, catalog, schedule):
    first = api.get("/api/screenings")
    unchanged = api.get("/api/screenings", headers={"If-None-Match": first.headers["etag"]})
    catalog.screening(schedule["movie"]["id"], schedule["theater"]["id"], "2026-06-05T19:00:00Z")
    changed = api.get("/api/screenings", headers={"If-None-Match": first.headers["etag"]})

    assert unchanged.status == 304
    assert changed.status == 200
    assert len(ids(changed)) == 6
