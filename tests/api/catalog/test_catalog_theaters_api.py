"""Theaters over HTTP: an admin describes the seat layout once; everyone reads it."""

from __future__ import annotations

import copy

from catalog_data import LAYOUT


def test_an_admin_creates_a_theater_and_gets_its_layout_and_seat_count(api, admin):
    response = api.post("/api/theaters", {"name": "Screen 1", "layout": LAYOUT}, token=admin)

    assert response.status == 201
    theater_id = response.json["id"]
    assert response.headers["location"] == f"/api/theaters/{theater_id}"
    assert response.json["name"] == "Screen 1"
    assert response.json["seats_total"] == 7
    rows = response.json["layout"]["rows"]
    assert [row["label"] for row in rows] == ["A", "B"]
    assert rows[0]["aisles_after"] == [2]
    assert rows[1]["seats"][2] == {"number": 3, "category": "vip", "blocked": True}
    assert response.json["layout"]["prices"] == LAYOUT["prices"]


def test_anyone_reads_a_theater_with_its_layout(api, catalog):
    created = catalog.theater()

    response = api.get(f"/api/theaters/{created['id']}")

    assert response.status == 200
    assert response.json == created
    assert response.headers["etag"]
    assert api.get(f"/api/theaters/{created['id']}", headers={"If-None-Match": response.headers["etag"]}).status == 304


def test_an_unknown_theater_is_404_theater_not_found(api):
    response = api.get("/api/theaters/thr_nothing")

    assert response.status == 404
    assert response.json["error"]["code"] == "theater_not_found"


def test_the_list_gives_name_and_seat_count_sorted_by_name_page_by_page(api, catalog):
    for name in ["Screen 3", "Screen 1", "Screen 2"]:
        catalog.theater(name)

    first = api.get("/api/theaters?limit=2")
    second = api.get(f"/api/theaters?limit=2&cursor={first.json['next_cursor']}")

    assert first.status == 200
    assert [theater["name"] for theater in first.json["items"]] == ["Screen 1", "Screen 2"]
    assert set(first.json["items"][0]) == {"id", "name", "seats_total"}
    assert first.json["items"][0]["seats_total"] == 7
    assert [theater["name"] for theater in second.json["items"]] == ["Screen 3"]
    assert second.json["next_cursor"] is None


def test_a_layout_with_problems_is_400_invalid_layout_naming_each_problem(api, admin):
    layout = copy.deepcopy(LAYOUT)
    layout["rows"][0]["seats"].append({"number": 2, "category": "standard"})  # seat A2 twice
    layout["rows"][1]["seats"][0]["category"] = "balcony"  # no price for it
    layout["rows"].append({"label": "C", "seats": []})

    response = api.post("/api/theaters", {"name": "Screen 1", "layout": layout}, token=admin)

    assert response.status == 400
    assert response.json["error"]["code"] == "invalid_layout"
    problems = " ".join(response.json["error"]["details"]["problems"])
    assert "seat number 2 twice" in problems
    assert "balcony" in problems
    assert "Row C has no seats" in problems
    assert api.get("/api/theaters").json["items"] == []


def test_a_theater_list_cursor_from_another_list_is_400_invalid_cursor(api, catalog):
    for number in range(3):
        catalog.movie(title=f"Movie {number}")
    movie_cursor = api.get("/api/movies?limit=1").json["next_cursor"]

    response = api.get(f"/api/theaters?cursor={movie_cursor}")

    assert response.status == 400
    assert response.json["error"]["code"] == "invalid_cursor"
