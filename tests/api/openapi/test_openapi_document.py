"""GET /api/openapi.json publishes every REST route of the app as valid OpenAPI 3.1, derived from the code."""

from __future__ import annotations

from typing import Any

import pytest
from chalice import Chalice
from openapi_spec_validator import validate

from app import app
from chalicelib.api.openapi import openapi_document, operations, role_of
from chalicelib.api.requests import QuerySchema, RequestSchema
from chalicelib.api.responses import ResponseModel
from chalicelib.api.routing import ApiBlueprint
from tests.api.openapi.conftest import schema_problems

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def app_routes() -> dict[tuple[str, str], Any]:
    return {(method, path): entry for path, methods in app.routes.items() for method, entry in methods.items()}


def operations_of(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_the_document_is_served_without_a_token_as_json(api):
    response = api.get("/api/openapi.json")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json == openapi_document(app)
    assert response.json["openapi"] == "3.1.0"


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)


def test_every_route_of_the_app_is_published_with_its_methods_and_nothing_else(document):
    assert operations_of(document).keys() == app_routes().keys()


def test_a_route_behind_an_authorizer_needs_a_bearer_token_of_its_role_and_a_public_route_none(document):
    operations = operations_of(document)
    for key, route in app_routes().items():
        if route.authorizer is None:
            assert "security" not in operations[key], key
        else:
            role = route.authorizer.name.removesuffix("_auth")
            assert operations[key]["security"] == [{"bearer": [role]}], key
            assert "401" in operations[key]["responses"], key
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }


def test_the_admin_routes_are_the_catalog_writes(document):
    admin_only = {key for key, operation in operations_of(document).items() if operation.get("x-role") == "admin"}

    assert admin_only == {
        ("POST", "/api/movies"),
        ("PUT", "/api/movies/{movie_id}"),
        ("DELETE", "/api/movies/{movie_id}"),
        ("POST", "/api/theaters"),
        ("POST", "/api/screenings"),
        ("PATCH", "/api/screenings/{screening_id}"),
    }


def test_every_route_is_documented(document):
    undocumented = sorted(key for key, operation in operations_of(document).items() if operation.get("x-undocumented"))

    assert not undocumented, f"Routes declared without ApiBlueprint.route's documentation: {undocumented}"


def test_a_route_cannot_be_declared_without_its_summary_and_answers():
    bp = ApiBlueprint("bare")

    with pytest.raises(TypeError, match="summary"):
        bp.route("/api/things", methods=["GET"])


def test_path_parameters_are_the_routes_view_arguments(document):
    operations = operations_of(document)
    for key, route in app_routes().items():
        parameters = operations[key].get("parameters", [])
        in_path = [parameter["name"] for parameter in parameters if parameter["in"] == "path"]
        assert in_path == route.view_args, key


def test_every_request_body_refuses_unknown_fields_at_every_level(document):
    bodies = [
        operation["requestBody"]["content"]["application/json"]["schema"]
        for operation in operations_of(document).values()
        if "requestBody" in operation
    ]
    assert len(bodies) >= 10

    def closed_objects(schema: dict[str, Any], where: str) -> None:
        schema = resolve(document, schema)
        if schema.get("type") == "object" and "properties" in schema:
            assert schema.get("additionalProperties") is False, where
            for name, prop in schema["properties"].items():
                closed_objects(prop, f"{where}.{name}")
        for variant in schema.get("anyOf", []) + ([schema["items"]] if "items" in schema else []):
            closed_objects(variant, where)

    for body in bodies:
        closed_objects(body, body["$ref"])


def test_every_query_schema_refuses_unknown_parameters():
    queries = [operation.query for operation in operations(app).values() if operation.query is not None]

    assert queries
    for query in queries:
        assert issubclass(query, QuerySchema)
        assert query.model_config["extra"] == "forbid", query


def test_every_body_route_answers_an_unknown_field_with_a_400_that_names_it(api, document, token_for):
    admin = token_for("user-admin", "admin")
    for (method, path), operation in operations_of(document).items():
        if "requestBody" not in operation:
            continue
        concrete = path.replace("{", "x").replace("}", "")

        response = api.request(method, concrete, json_body={"surprise": 1}, token=admin)

        assert response.status == 400, (method, path, response.json)
        assert response.json["error"]["code"] == "validation_error"
        assert {"field": "surprise", "message": "Extra inputs are not permitted"} in response.json["error"]["details"][
            "fields"
        ], (method, path)


NOT_ERROR_BODIES: set[tuple[str, str, str]] = set()  # every error answer uses the error body, health's 503 too


def test_error_answers_share_the_error_component_and_list_their_codes(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert resolve(document, error["properties"]["error"])["required"] == ["code", "message", "details"]
    for (method, path), operation in operations_of(document).items():
        for status, answer in operation["responses"].items():
            if (status == "default" or int(status) >= 400) and (method, path, status) not in NOT_ERROR_BODIES:
                schema = answer["content"]["application/json"]["schema"]
                refs = [schema] if "$ref" in schema else schema["allOf"]
                assert {"$ref": "#/components/schemas/Error"} in refs, (method, path, status)


def test_a_body_route_documents_400_413_and_415(document):
    responses = operations_of(document)[("POST", "/api/seat-reservations")]["responses"]

    assert {"201", "400", "401", "404", "409", "413", "415", "default"} <= responses.keys()
    assert responses["415"]["content"]["application/json"]["schema"]["allOf"][1] == {
        "properties": {"error": {"properties": {"code": {"enum": ["unsupported_media_type"]}}}}
    }


def test_a_route_without_documentation_is_still_published_with_its_method_and_security():
    bare = Chalice(app_name="bare")

    @bare.authorizer()
    def staff_auth(auth_request):
        raise AssertionError("never called")

    @bare.route("/api/things/{thing_id}", methods=["DELETE"], authorizer=staff_auth)
    def remove_thing(thing_id):
        raise AssertionError("never called")

    document = openapi_document(bare)

    operation = document["paths"]["/api/things/{thing_id}"]["delete"]
    assert operation["x-undocumented"] is True
    assert operation["security"] == [{"bearer": ["staff"]}]
    assert operation["parameters"][0]["name"] == "thing_id"
    validate(document)


def test_a_route_is_documented_by_what_it_declares_in_a_document_of_another_app():
    bare = Chalice(app_name="bare")
    bp = ApiBlueprint("things")

    class Thing(ResponseModel):
        name: str

    @bp.route("/api/things", methods=["GET"], summary="Things", answers={200: Thing}, errors={404: ("no_things",)})
    def things():
        raise AssertionError("never called")

    bare.register_blueprint(bp)
    document = openapi_document(bare)

    operation = document["paths"]["/api/things"]["get"]
    assert operation["summary"] == "Things"
    assert "x-undocumented" not in operation
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Thing"
    }
    assert operation["responses"]["404"]["content"]["application/json"]["schema"]["allOf"][1] == {
        "properties": {"error": {"properties": {"code": {"enum": ["no_things"]}}}}
    }
    assert document["components"]["schemas"]["Thing"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("name", "role"), [("customer_auth", "customer"), ("staff_auth", "staff"), ("admin_auth", "admin")]
)
def test_the_role_of_an_authorizer_comes_from_its_name(name, role):
    assert role_of(name) == role


def test_an_authorizer_that_names_no_role_is_refused():
    with pytest.raises(ValueError, match="names no role"):
        role_of("partner_auth")


def test_two_schemas_of_one_name_are_refused_rather_than_published_under_a_mangled_name():
    from chalicelib.api.catalog_answers import Movie as MovieAnswer

    class Movie(RequestSchema):
        title: str

    bare = Chalice(app_name="bare")
    bp = ApiBlueprint("movies")

    @bp.route("/api/movies", methods=["POST"], summary="Add", body=Movie, answers={201: MovieAnswer})
    def add(body):
        raise AssertionError("never called")

    bare.register_blueprint(bp)

    with pytest.raises(ValueError, match="give it a name no other has"):
        openapi_document(bare)


def test_every_example_validates_against_the_answer_it_illustrates(document):
    examples = [
        (key, status, answer["content"]["application/json"])
        for key, operation in operations_of(document).items()
        for status, answer in operation["responses"].items()
        if "example" in answer.get("content", {}).get("application/json", {})
    ]

    assert {(key, status) for key, status, _ in examples} >= {
        (("POST", "/api/seat-reservations"), "201"),
        (("POST", "/api/seat-reservations"), "409"),
    }
    for key, status, media in examples:
        assert not schema_problems(document, media["schema"], media["example"]), (key, status)


def test_an_example_of_another_model_than_the_declared_answer_is_refused():
    from chalicelib.api.reservations import HELD, ReleasedSeats

    bp = ApiBlueprint("bare")

    with pytest.raises(TypeError, match="the example of 200 is a Reservation"):
        bp.route("/api/things", methods=["GET"], summary="Things", answers={200: ReleasedSeats}, examples={200: HELD})
