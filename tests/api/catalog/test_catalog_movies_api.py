"""Movies over HTTP: admins write them, everyone lists, searches and reads them."""

from __future__ import annotations

from catalog_data import MOVIE

from chalicelib.adapters.dynamodb.models.catalog import MovieItem


def titles(response) -> list[str]:
    return [movie["title"] for movie in response.json["items"]]


def test_an_admin_creates_a_movie_and_anyone_reads_it(api, admin):
    created = api.post("/api/movies", MOVIE, token=admin)

    assert created.status == 201
    movie_id = created.json["id"]
    assert created.json == {**MOVIE, "id": movie_id}
    assert created.headers["location"] == f"/api/movies/{movie_id}"
    fetched = api.get(f"/api/movies/{movie_id}")
    assert fetched.status == 200
    assert fetched.json == created.json


def test_description_may_be_left_out_and_reads_back_empty(api, admin):
    body = {key: value for key, value in MOVIE.items() if key != "description"}

    created = api.post("/api/movies", body, token=admin)

    assert created.status == 201
    assert created.json["description"] == ""


def test_an_unknown_movie_is_404_movie_not_found(api):
    response = api.get("/api/movies/mov_nothing")

    assert response.status == 404
    assert response.json["error"]["code"] == "movie_not_found"


def test_put_replaces_every_field(api, admin, catalog):
    movie = catalog.movie()
    replacement = {
        "title": "Amélie",
        "description": "Shorter.",
        "genres": ["Comedy"],
        "duration_minutes": 120,
        "rating": "PG-13",
        "release_date": "2001-10-05",
    }

    response = api.put(f"/api/movies/{movie['id']}", replacement, token=admin)

    assert response.status == 200
    assert response.json == {**replacement, "id": movie["id"]}
    assert api.get(f"/api/movies/{movie['id']}").json == response.json
    assert titles(api.get("/api/movies?search=destin")) == []
    assert titles(api.get("/api/movies?search=amelie")) == ["Amélie"]


def test_put_on_an_unknown_movie_is_404_and_creates_nothing(api, admin):
    response = api.put("/api/movies/mov_nothing", MOVIE, token=admin)

    assert response.status == 404
    assert response.json["error"]["code"] == "movie_not_found"
    assert MovieItem.count() == 0


def test_delete_removes_the_movie(api, admin, catalog):
    movie = catalog.movie()

    response = api.delete(f"/api/movies/{movie['id']}", token=admin)

    assert response.status == 204
    assert response.body == b""
    assert api.get(f"/api/movies/{movie['id']}").status == 404
    again = api.delete(f"/api/movies/{movie['id']}", token=admin)
    assert again.status == 404
    assert again.json["error"]["code"] == "movie_not_found"


def test_a_movie_with_screenings_cannot_be_deleted(api, admin, catalog):
    movie = catalog.movie()
    catalog.screening(movie["id"], catalog.theater()["id"])

    response = api.delete(f"/api/movies/{movie['id']}", token=admin)

    assert response.status == 409
    assert response.json["error"]["code"] == "movie_has_screenings"
    assert api.get(f"/api/movies/{movie['id']}").status == 200


def test_a_movie_with_screenings_keeps_its_duration_but_other_fields_may_change(api, admin, catalog):
    movie = catalog.movie()
    catalog.screening(movie["id"], catalog.theater()["id"])

    longer = api.put(f"/api/movies/{movie['id']}", {**MOVIE, "duration_minutes": 180}, token=admin)
    retitled = api.put(f"/api/movies/{movie['id']}", {**MOVIE, "title": "Amélie"}, token=admin)

    assert longer.status == 409
    assert longer.json["error"]["code"] == "movie_has_screenings"
    assert retitled.status == 200
    assert api.get(f"/api/movies/{movie['id']}").json["duration_minutes"] == MOVIE["duration_minutes"]


# Listing and search


def test_the_list_is_sorted_by_title_and_search_ignores_case_and_accents(api, catalog):
    catalog.movie(title="Léon: The Professional", genres=["Crime", "Drama"])
    catalog.movie(title="The Matrix", genres=["Science Fiction"])
    catalog.movie(title="Le Fabuleux Destin d'Amélie Poulain")

    everything = api.get("/api/movies")

    assert everything.status == 200
    assert titles(everything) == ["Le Fabuleux Destin d'Amélie Poulain", "Léon: The Professional", "The Matrix"]
    assert everything.json["next_cursor"] is None
    assert titles(api.get("/api/movies?search=LEON")) == ["Léon: The Professional"]
    assert titles(api.get("/api/movies?search=am%C3%A9lie")) == ["Le Fabuleux Destin d'Amélie Poulain"]
    assert titles(api.get("/api/movies?search=the")) == ["Léon: The Professional", "The Matrix"]


def test_every_search_word_must_begin_a_title_word(api, catalog):
    catalog.movie(title="The Matrix Reloaded")
    catalog.movie(title="The Matrix")

    assert titles(api.get("/api/movies?search=matrix+rel")) == ["The Matrix Reloaded"]
    assert titles(api.get("/api/movies?search=atrix")) == []
    assert titles(api.get("/api/movies?search=matrix+amelie")) == []


def test_genre_filters_the_list_and_combines_with_search(api, catalog):
    catalog.movie(title="The Matrix", genres=["Science Fiction", "Action"])
    catalog.movie(title="Matrix Comedy", genres=["Comedy"])
    catalog.movie(title="Alien", genres=["science fiction"])

    assert titles(api.get("/api/movies?genre=Science+Fiction")) == ["Alien", "The Matrix"]
    assert titles(api.get("/api/movies?genre=science+fiction&search=matrix")) == ["The Matrix"]
    assert titles(api.get("/api/movies?genre=science")) == []


def test_pages_follow_the_cursor_until_none_is_left(api, catalog):
    for number in range(5):
        catalog.movie(title=f"Movie {number}")

    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/movies?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(path)
        assert page.status == 200
        assert len(page.json["items"]) <= 2
        seen += titles(page)
        pages += 1
        cursor = page.json["next_cursor"]
        if cursor is None:
            break

    assert seen == [f"Movie {number}" for number in range(5)]
    assert pages == 3


def test_a_search_page_is_full_even_when_many_titles_do_not_match(api, catalog):
    for number in range(6):
        catalog.movie(title=f"{'Alien' if number % 2 else 'Zorro'} {number}")

    first = api.get("/api/movies?search=zorro&limit=2")
    second = api.get(f"/api/movies?search=zorro&limit=2&cursor={first.json['next_cursor']}")

    assert titles(first) == ["Zorro 0", "Zorro 2"]
    assert titles(second) == ["Zorro 4"]
    assert second.json["next_cursor"] is None


def test_a_page_exactly_as_long_as_the_rest_says_there_is_no_more(api, catalog):
    catalog.movie(title="A")
    catalog.movie(title="B")

    page = api.get("/api/movies?limit=2")

    assert titles(page) == ["A", "B"]
    assert page.json["next_cursor"] is None


def test_a_forged_cursor_is_400_invalid_cursor(api, catalog):
    import base64
    import json

    catalog.movie()
    other_list = base64.urlsafe_b64encode(json.dumps({"listing": "theater", "title_key": "x#y", "id": "y"}).encode())
    wrong_keys = base64.urlsafe_b64encode(json.dumps({"id": "mov_1"}).encode())

    for cursor in ["not-base64!", "bm90IGpzb24", other_list.decode(), wrong_keys.decode(), "e30"]:
        response = api.get(f"/api/movies?cursor={cursor}")
        assert response.status == 400, cursor
        assert response.json["error"]["code"] == "invalid_cursor"
        assert response.json["error"]["details"]["fields"][0]["field"] == "cursor"


def test_limit_outside_one_to_a_hundred_is_400_naming_limit(api):
    for limit in ["0", "101", "-1", "ten", "1.5"]:
        response = api.get(f"/api/movies?limit={limit}")
        assert response.status == 400, limit
        assert response.json["error"]["code"] == "validation_error"
        assert response.json["error"]["details"]["fields"][0]["field"] == "limit"


# Caching


def test_the_list_carries_an_etag_and_answers_if_none_match_with_304(api, catalog):
    catalog.movie()
    first = api.get("/api/movies")

    again = api.get("/api/movies", headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"] == "public, max-age=30"
    assert again.status == 304
    assert again.body == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_a_changed_list_gets_a_new_etag_and_a_full_answer(api, catalog):
    catalog.movie(title="A")
    first = api.get("/api/movies")
    catalog.movie(title="B")

    after = api.get("/api/movies", headers={"If-None-Match": first.headers["etag"]})

    assert after.status == 200
    assert after.headers["etag"] != first.headers["etag"]
    assert titles(after) == ["A", "B"]


def test_if_none_match_accepts_a_list_weak_tags_and_star(api, catalog):
    movie = catalog.movie()
    etag = api.get(f"/api/movies/{movie['id']}").headers["etag"]

    for header in [f'"other", W/{etag}', "*"]:
        response = api.get(f"/api/movies/{movie['id']}", headers={"If-None-Match": header})
        assert response.status == 304, header
    assert api.get(f"/api/movies/{movie['id']}", headers={"If-None-Match": '"other"'}).status == 200
