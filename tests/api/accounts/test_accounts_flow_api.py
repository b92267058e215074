"""The whole sign-in story over HTTP: register, login, me, refresh, logout, and refresh-token reuse."""

from __future__ import annotations

from chalicelib.adapters.dynamodb.accounts import DynamoUsers
from chalicelib.adapters.dynamodb.models.accounts import EmailClaimItem, UserItem
from chalicelib.services.accounts import REVOCATION_BOUND_SECONDS

PASSWORD = "correct horse battery"  # what the `auth` fixture registers with


def test_registering_answers_201_with_the_user_and_a_bearer_token_pair(api, app_services):
    response = api.post(
        "/api/auth/register", {"email": " Alice@Example.com", "password": PASSWORD, "name": "Alice Cooper"}
    )

    assert response.status == 201
    body = response.json
    assert set(body) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert body["user"] == {
        "id": body["user"]["id"],
        "email": "alice@example.com",
        "name": "Alice Cooper",
        "role": "customer",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"
    stored = UserItem.get(body["user"]["id"])
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert EmailClaimItem.get("alice@example.com").user_id == body["user"]["id"]


def test_a_second_registration_of_the_same_mailbox_is_409_email_taken(api, auth):
    first = auth.register("alice@example.com")

    response = api.post("/api/auth/register", {"email": "ALICE@example.com", "password": "other password", "name": "B"})

    assert response.status == 409
    assert response.json["error"]["code"] == "email_taken"
    assert [user.id for user in UserItem.scan()] == [first["user"]["id"]]


def test_a_weak_password_is_400_weak_password_naming_the_rule(api):
    response = api.post("/api/auth/register", {"email": "alice@example.com", "password": "alice", "name": "Alice"})

    assert response.status == 400
    assert response.json["error"]["code"] == "weak_password"
    assert response.json["error"]["details"] == {"field": "password", "rule": "min_length", "min_length": 8}
    assert "8 characters" in response.json["error"]["message"]
    assert list(UserItem.scan()) == []


def test_a_password_that_is_the_email_is_refused(api):
    response = api.post(
        "/api/auth/register", {"email": "alice.cooper@example.com", "password": "Alice.Cooper", "name": "Alice"}
    )

    assert response.status == 400
    assert response.json["error"]["details"]["rule"] == "not_email"


def test_login_answers_200_with_the_same_shape_as_registering(auth):
    registered = auth.register()

    response = auth.login("ALICE@example.com", PASSWORD)

    assert response.status == 200
    assert response.json["user"] == registered["user"]
    assert response.json["token_type"] == "Bearer"
    assert response.json["refresh_token"] != registered["refresh_token"]
    assert response.headers["cache-control"] == "no-store"


def test_an_unknown_email_and_a_wrong_password_get_the_same_401(auth):
    auth.register()

    wrong_password = auth.login("alice@example.com", "not the password")
    unknown_email = auth.login("nobody@example.com", PASSWORD)

    assert wrong_password.status == unknown_email.status == 401
    assert wrong_password.json == unknown_email.json
    assert wrong_password.json["error"]["code"] == "invalid_credentials"


def test_me_is_the_signed_in_user(auth):
    registered = auth.register()

    response = auth.me(registered["access_token"])

    assert response.status == 200
    assert response.json == registered["user"]


def test_me_without_a_token_is_401(api):
    response = api.get("/api/auth/me")

    assert response.status == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_me_for_a_valid_token_whose_user_does_not_exist_is_404(api, token_for):
    response = api.get("/api/auth/me", token=token_for("u_nobody"))

    assert response.status == 404
    assert response.json["error"]["code"] == "user_not_found"


def test_the_whole_flow_register_login_me_refresh_logout(auth, api):
    auth.register()
    signed_in = auth.login().json
    assert auth.me(signed_in["access_token"]).json["email"] == "alice@example.com"

    refreshed = auth.refresh(signed_in["refresh_token"])
    assert refreshed.status == 200
    assert refreshed.json["user"] == signed_in["user"]
    assert refreshed.json["refresh_token"] != signed_in["refresh_token"]
    assert auth.me(refreshed.json["access_token"]).status == 200

    logged_out = api.post("/api/auth/logout", {"refresh_token": refreshed.json["refresh_token"]})
    assert logged_out.status == 204
    assert logged_out.body == b""

    after = auth.refresh(refreshed.json["refresh_token"])
    assert after.status == 401
    assert after.json["error"]["code"] == "invalid_refresh_token"


def test_a_refresh_token_works_once(auth):
    session = auth.register()
    auth.refresh(session["refresh_token"])

    again = auth.refresh(session["refresh_token"])

    assert again.status == 401
    assert again.json["error"]["code"] == "refresh_token_reused"


def test_reusing_a_spent_refresh_token_revokes_every_token_of_that_login(auth):
    """RFC 9700 4.14.2: a spent token presented again means it leaked; the newest token of the login dies too."""
    first = auth.register()
    second = auth.refresh(first["refresh_token"]).json
    newest = auth.refresh(second["refresh_token"]).json

    reused = auth.refresh(first["refresh_token"])
    newest_after = auth.refresh(newest["refresh_token"])

    assert reused.status == 401
    assert reused.json["error"]["code"] == "refresh_token_reused"
    assert newest_after.status == 401
    assert newest_after.json["error"]["code"] == "invalid_refresh_token"


def test_reuse_in_one_login_leaves_the_users_other_logins_working(auth):
    phone = auth.register()
    laptop = auth.login().json
    auth.refresh(phone["refresh_token"])

    auth.refresh(phone["refresh_token"])

    assert auth.refresh(laptop["refresh_token"]).status == 200


def test_an_expired_refresh_token_is_401_invalid_refresh_token(auth, clock):
    session = auth.register()
    clock.advance(30 * 24 * 3600)

    response = auth.refresh(session["refresh_token"])

    assert response.status == 401
    assert response.json["error"]["code"] == "invalid_refresh_token"


def test_an_unknown_refresh_token_is_401_invalid_refresh_token(auth, api):
    assert auth.refresh("x" * 43).json["error"]["code"] == "invalid_refresh_token"
    logout = api.post("/api/auth/logout", {"refresh_token": "x" * 43})
    assert logout.status == 401
    assert logout.json["error"]["code"] == "invalid_refresh_token"


def test_logging_out_twice_is_204_both_times(auth, api):
    session = auth.register()

    first = api.post("/api/auth/logout", {"refresh_token": session["refresh_token"]})
    second = api.post("/api/auth/logout", {"refresh_token": session["refresh_token"]})

    assert (first.status, second.status) == (204, 204)


def test_a_role_given_to_a_user_is_in_the_next_refreshed_token(auth, app_services):
    session = auth.register()
    DynamoUsers().set_role(session["user"]["id"], "admin")

    refreshed = auth.refresh(session["refresh_token"]).json

    assert refreshed["user"]["role"] == "admin"
    assert auth.me(refreshed["access_token"]).json["role"] == "admin"
    assert app_services.tokens.verify(refreshed["access_token"]).role == "admin"


def test_after_logout_the_access_token_stops_within_the_revocation_bound(auth, api, clock):
    session = auth.register()
    assert auth.me(session["access_token"]).status == 200

    assert api.post("/api/auth/logout", {"refresh_token": session["refresh_token"]}).status == 204
    clock.advance(REVOCATION_BOUND_SECONDS)

    refused = auth.me(session["access_token"])
    assert refused.status == 401
    assert refused.json["error"]["code"] == "unauthorized"


def test_after_refresh_token_reuse_every_access_token_of_that_login_stops(auth, clock):
    session = auth.register()
    rotated = auth.refresh(session["refresh_token"]).json

    assert auth.refresh(session["refresh_token"]).json["error"]["code"] == "refresh_token_reused"
    clock.advance(REVOCATION_BOUND_SECONDS)

    assert [auth.me(token).status for token in (session["access_token"], rotated["access_token"])] == [401, 401]
    assert auth.me(auth.login().json["access_token"]).status == 200
