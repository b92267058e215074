"""What `ApiBlueprint.route` enforces: a handler answers only what its route declares, ids are checked first."""

from __future__ import annotations

import json

import pytest
from chalice import Chalice, Response
from chalice.test import Client

from chalicelib.api.responses import ResponseModel
from chalicelib.api.routing import ApiBlueprint, Operation, Reply, no_content


class Thing(ResponseModel):
    name: str


class Other(ResponseModel):
    size: int


@pytest.fixture
def things() -> Client:
    """An app with one blueprint whose views answer right and wrong."""
    app = Chalice(app_name="things")
    bp = ApiBlueprint("things")

    @bp.route("/things/{thing_id}", methods=["GET"], summary="A thing", answers={200: Thing})
    def thing(thing_id: str) -> Thing:
        return Thing(name=thing_id)

    @bp.route("/created", methods=["POST"], summary="Make one", answers={201: Thing})
    def make() -> Reply:
        return Reply(Thing(name="new"), {"Location": "/things/new"})

    @bp.route("/wrong-model", methods=["GET"], summary="Declares a thing", answers={200: Thing})
    def wrong_model() -> Other:
        return Other(size=1)

    @bp.route("/raw", methods=["GET"], summary="Declares a thing", answers={200: Thing})
    def raw() -> Response:
        return Response(body=json.dumps({"name": "x", "secret": 1}), status_code=200)

    @bp.route("/undeclared-status", methods=["DELETE"], summary="Declares 200 only", answers={200: Thing})
    def undeclared_status() -> Response:
        return no_content()

    @bp.route("/cached", methods=["GET"], summary="A public read", answers={200: Thing}, public_max_age=30)
    def cached() -> Thing:
        return Thing(name="cached")

    app.register_blueprint(bp)
    with Client(app) as client:
        yield client


def test_a_model_is_answered_with_the_status_its_route_declares_it_under(things):
    read = things.http.get("/things/t-1")
    made = things.http.post("/created", body=b"")

    assert (read.status_code, json.loads(read.body)) == (200, {"name": "t-1"})
    assert (made.status_code, made.headers["Location"], json.loads(made.body)) == (201, "/things/new", {"name": "new"})


def test_a_model_the_route_does_not_declare_is_a_500_not_an_undocumented_answer(things):
    answer = things.http.get("/wrong-model")

    assert answer.status_code == 500
    assert json.loads(answer.body)["error"]["code"] == "internal_error"


def test_a_hand_built_body_where_the_route_declares_a_model_is_a_500(things):
    answer = things.http.get("/raw")

    assert answer.status_code == 500
    assert b"secret" not in answer.body


def test_a_status_the_route_does_not_declare_is_a_500(things):
    assert things.http.delete("/undeclared-status").status_code == 500


def test_a_path_parameter_that_is_not_an_id_is_a_400_naming_it_before_the_view_runs(things):
    answer = things.http.get("/things/a%20b")

    assert answer.status_code == 400
    assert json.loads(answer.body)["error"]["details"]["fields"][0]["field"] == "thing_id"


def test_a_public_read_carries_an_etag_and_answers_304_to_a_client_that_has_it(things):
    first = things.http.get("/cached")
    again = things.http.get("/cached", headers={"If-None-Match": first.headers["ETag"]})

    assert first.headers["Cache-Control"] == "public, max-age=30"
    assert (again.status_code, again.body) == (304, b"")


def test_a_model_declared_under_two_statuses_is_answered_with_the_one_the_reply_names():
    operation = Operation("Upsert", {200: Thing, 201: Thing})

    assert operation.status_of(Thing(name="x"), 201) == 201
    with pytest.raises(TypeError, match="declared"):
        operation.status_of(Thing(name="x"), None)
