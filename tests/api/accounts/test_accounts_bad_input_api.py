"""Every accounts endpoint refuses bad input with 400 validation_error naming the fields (413 for huge bodies),
never a 500, and a bad request changes nothing."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.models.accounts import UserItem

GOOD = {
    "/api/auth/register": {"email": "alice@example.com", "password": "correct horse battery", "name": "Alice"},
    "/api/auth/login": {"email": "alice@example.com", "password": "correct horse battery"},
    "/api/auth/refresh": {"refresh_token": "x" * 43},
    "/api/auth/logout": {"refresh_token": "x" * 43},
}
ENDPOINTS = sorted(GOOD)
MAX_LENGTH = {"email": 254, "password": 128, "name": 100, "refresh_token": 256}


def raw(api, path, body: bytes):
    return api.request("POST", path, body=body, headers={"Content-Type": "application/json"})


def assert_validation_error(response, *fields):
    assert response.status == 400, (response.status, response.json)
    error = response.json["error"]
    assert error["code"] == "validation_error"
    named = {problem["field"] for problem in error["details"]["fields"]}
    assert set(fields) <= named, named


@pytest.mark.parametrize("path", ENDPOINTS)
class TestEveryEndpoint:
    def test_malformed_json_is_400_naming_the_body(self, api, path):
        assert_validation_error(raw(api, path, b'{"email": "alice@example.com",'), "body")

    def test_a_body_that_is_not_utf8_is_400_naming_the_body(self, api, path):
        assert_validation_error(raw(api, path, b'{"email": "\xff\xfe"}'), "body")

    def test_an_empty_body_is_400(self, api, path):
        assert_validation_error(raw(api, path, b""), "body")

    @pytest.mark.parametrize("document", [b"[]", b'"text"', b"42", b"null", b"true"])
    def test_a_json_document_that_is_not_an_object_is_400(self, api, path, document):
        assert_validation_error(raw(api, path, document), "body")

    def test_each_missing_field_is_named(self, api, path):
        assert_validation_error(api.post(path, {}), *GOOD[path])

    def test_an_unknown_field_is_named(self, api, path):
        assert_validation_error(api.post(path, {**GOOD[path], "role": "admin"}), "role")

    @pytest.mark.parametrize("wrong", [42, None, True, ["a"], {"a": 1}, 1.5])
    def test_a_field_of_the_wrong_type_is_named(self, api, path, wrong):
        for field in GOOD[path]:
            assert_validation_error(api.post(path, {**GOOD[path], field: wrong}), field)

    def test_a_string_longer_than_its_bound_is_named(self, api, path):
        for field in GOOD[path]:
            assert_validation_error(api.post(path, {**GOOD[path], field: "x" * (MAX_LENGTH[field] + 1)}), field)

    def test_a_body_over_64_kib_is_413(self, api, path):
        response = api.post(path, {**GOOD[path], "padding": "x" * 70_000})

        assert response.status == 413
        assert response.json["error"]["code"] == "payload_too_large"

    def test_nothing_was_written(self, api, path):
        api.post(path, {**GOOD[path], "unexpected": 1})

        assert list(UserItem.scan()) == []


@pytest.mark.parametrize(
    "email", ["alice", "alice@localhost", "@example.com", "a b@example.com", "alice@exa\u0000mple.com", "   "]
)
def test_an_email_that_cannot_be_a_mailbox_is_400_naming_email(api, email):
    for path in ("/api/auth/register", "/api/auth/login"):
        assert_validation_error(api.post(path, {**GOOD[path], "email": email}), "email")


def test_a_blank_or_control_character_name_is_400_naming_name(api):
    for name in ("   ", "Alice\u0007"):
        assert_validation_error(api.post("/api/auth/register", {**GOOD["/api/auth/register"], "name": name}), "name")


def test_an_all_whitespace_password_is_weak_and_never_trimmed(api):
    body = {**GOOD["/api/auth/register"], "password": " " * 12}

    response = api.post("/api/auth/register", body)

    assert response.status == 400
    assert response.json["error"]["code"] == "weak_password"
    assert response.json["error"]["details"]["rule"] == "not_blank"


def test_spaces_around_a_password_are_part_of_it(auth):
    auth.register(password="  spaced password  ")

    assert auth.login(password="spaced password").status == 401
    assert auth.login(password="  spaced password  ").status == 200


def test_an_empty_login_password_is_400_naming_password(api):
    assert_validation_error(api.post("/api/auth/login", {"email": "alice@example.com", "password": ""}), "password")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "token-without-scheme"])
def test_me_with_a_malformed_authorization_header_is_401(api, header):
    response = api.get("/api/auth/me", headers={"Authorization": header})

    assert response.status == 401
    assert response.json["error"]["code"] == "unauthorized"
