"""Access tokens that must not open GET /api/auth/me: forged, altered, expired, or signed with an unknown key."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

from chalicelib.domain.identity import Principal
from chalicelib.services.tokens import AccessTokens


@pytest.fixture
def alice(auth):
    return auth.register()


def claims_for(alice, app_services, **changes):
    settings = app_services.settings
    now = int(app_services.clock.now().timestamp())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": alice["user"]["id"],
        "role": "admin",
        "iat": now,
        "exp": now + 900,
        "jti": "jti-1",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed(claims, app_services, key=None, kid=None, algorithm=None):
    settings = app_services.settings
    kid = kid or settings.jwt_active_kid
    return jwt.encode(
        claims,
        key or settings.jwt_signing_keys[settings.jwt_active_kid],
        algorithm=algorithm or settings.jwt_algorithm,
        headers={"kid": kid},
    )


def assert_refused(api, token):
    response = api.get("/api/auth/me", token=token)
    assert response.status == 401, response.json
    assert response.json["error"]["code"] == "unauthorized"


def test_a_well_formed_token_of_our_own_is_accepted(api, alice, app_services):
    token = signed(claims_for(alice, app_services), app_services)

    assert api.get("/api/auth/me", token=token).status == 200


def test_an_unsigned_alg_none_token_is_401(api, alice, app_services):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT", "kid": "dev-1"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims_for(alice, app_services)).encode()).rstrip(b"=")

    assert_refused(api, f"{header.decode()}.{payload.decode()}.")


def test_a_token_signed_with_another_key_is_401(api, alice, app_services):
    assert_refused(api, signed(claims_for(alice, app_services), app_services, key="not-our-key-but-long-enough-32b!"))


@pytest.mark.filterwarnings("ignore:The HMAC key is")  # the attacker's key, not ours
def test_a_token_with_another_algorithm_than_the_pinned_one_is_401(api, alice, app_services):
    assert_refused(api, signed(claims_for(alice, app_services), app_services, algorithm="HS512"))


def test_a_token_for_another_audience_is_401(api, alice, app_services):
    assert_refused(api, signed(claims_for(alice, app_services, aud="another-api"), app_services))


def test_a_token_from_another_issuer_is_401(api, alice, app_services):
    assert_refused(api, signed(claims_for(alice, app_services, iss="someone-else"), app_services))


@pytest.mark.parametrize("claim", ["jti", "sub", "exp", "iat", "iss", "aud"])
def test_a_token_missing_a_required_claim_is_401(api, alice, app_services, claim):
    assert_refused(api, signed(claims_for(alice, app_services, **{claim: None}), app_services))


def test_a_token_issued_in_the_future_is_401(api, alice, app_services):
    now = int(app_services.clock.now().timestamp())

    assert_refused(api, signed(claims_for(alice, app_services, iat=now + 3600, exp=now + 7200), app_services))


def test_an_access_token_expires_after_fifteen_minutes(api, alice, clock):
    clock.advance(899)
    assert api.get("/api/auth/me", token=alice["access_token"]).status == 200

    clock.advance(1)

    assert_refused(api, alice["access_token"])


def test_a_token_with_an_unknown_kid_is_401(api, alice, app_services):
    key = app_services.settings.jwt_signing_keys[app_services.settings.jwt_active_kid]

    assert_refused(api, signed(claims_for(alice, app_services), app_services, key=key, kid="retired-key"))


def test_a_token_that_is_not_a_jwt_is_401(api, alice):
    assert_refused(api, "not-a-jwt")
    tampered = alice["access_token"][:-4] + ("AAAA" if not alice["access_token"].endswith("AAAA") else "BBBB")
    assert_refused(api, tampered)


def test_after_a_key_rotation_tokens_signed_with_the_previous_key_still_verify(api, alice, app_services, with_settings):
    old_keys = app_services.settings.jwt_signing_keys
    old_token = alice["access_token"]
    rotated = with_settings(
        jwt_signing_keys={**old_keys, "key-2027": "the-new-signing-key-of-2027-long-enough"}, jwt_active_kid="key-2027"
    )

    fresh = rotated.tokens.issue(Principal(alice["user"]["id"], "customer")).token

    assert jwt.get_unverified_header(fresh)["kid"] == "key-2027"
    assert api.get("/api/auth/me", token=fresh).status == 200
    assert api.get("/api/auth/me", token=old_token).status == 200


def test_once_a_retired_key_leaves_the_key_set_its_tokens_are_401(api, alice, with_settings):
    with_settings(jwt_signing_keys={"key-2027": "the-new-signing-key-of-2027-long-enough"}, jwt_active_kid="key-2027")

    assert_refused(api, alice["access_token"])


def test_access_tokens_carry_the_role_and_the_login_they_belong_to(alice, app_services):
    settings = app_services.settings
    claims = jwt.decode(
        alice["access_token"],
        settings.jwt_signing_keys[settings.jwt_active_kid],
        algorithms=[settings.jwt_algorithm],
        audience=settings.jwt_audience,
        options={"verify_exp": False, "verify_iat": False},
    )

    assert claims["role"] == "customer"
    assert claims["sub"] == alice["user"]["id"]
    assert claims["fam"].startswith("f_")
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(alice["access_token"])["kid"] == settings.jwt_active_kid


def test_verification_judges_time_by_the_injected_clock_not_the_machines(app_services, clock):
    clock.advance(timedelta(days=400).total_seconds())
    tokens = AccessTokens(app_services.settings, clock)

    token = tokens.issue(Principal("u_1", "staff")).token

    assert tokens.verify(token) == Principal("u_1", "staff")
