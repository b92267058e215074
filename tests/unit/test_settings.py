"""Settings: a deployed stage never signs tokens with the built-in development key, which is public."""

from __future__ import annotations

import json

import pytest

from chalicelib.settings import DEV_SIGNING_KEYS, get_settings, queue_prefix

KEYS = {"k2": "a-long-random-key", "k1": "the-previous-key"}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv("JWT_SIGNING_KEYS", raising=False)
    monkeypatch.delenv("JWT_ACTIVE_KID", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    return monkeypatch


@pytest.mark.parametrize("stage", ["dev", "prod", "staging", "Local", ""])
def test_a_stage_other_than_local_or_test_without_signing_keys_refuses_to_start(env, stage):
    env.setenv("STAGE", stage)

    with pytest.raises(RuntimeError, match="JWT_SIGNING_KEYS is not set for stage") as refused:
        get_settings()

    assert DEV_SIGNING_KEYS["dev-1"] not in str(refused.value)


@pytest.mark.parametrize("stage", ["local", "test"])
def test_the_local_cloud_and_the_tests_may_use_the_development_key(env, stage):
    env.setenv("STAGE", stage)

    settings = get_settings()

    assert settings.stage == stage
    assert settings.jwt_signing_keys == DEV_SIGNING_KEYS
    assert settings.jwt_active_kid == "dev-1"


def test_without_a_stage_the_development_key_is_refused(env):
    env.delenv("STAGE", raising=False)

    with pytest.raises(RuntimeError, match="JWT_SIGNING_KEYS is not set for stage None"):
        get_settings()


@pytest.mark.parametrize("stage", ["local", "test", None])
def test_on_lambda_the_development_key_is_refused_whatever_the_stage_says(env, stage):
    if stage is None:
        env.delenv("STAGE", raising=False)
    else:
        env.setenv("STAGE", stage)
    env.setenv("AWS_LAMBDA_FUNCTION_NAME", "cinema-booking-dev")

    with pytest.raises(RuntimeError, match="JWT_SIGNING_KEYS is not set"):
        get_settings()


def test_on_lambda_configured_keys_are_used(env):
    env.setenv("STAGE", "local")
    env.setenv("AWS_LAMBDA_FUNCTION_NAME", "cinema-booking-dev")
    env.setenv("JWT_SIGNING_KEYS", json.dumps(KEYS))

    assert get_settings().jwt_signing_keys == KEYS


@pytest.mark.parametrize("seconds", ["31", "-1"])
def test_a_login_state_cache_longer_than_the_documented_bound_is_refused(env, seconds):
    env.setenv("LOGIN_STATE_CACHE_SECONDS", seconds)

    with pytest.raises(RuntimeError, match="LOGIN_STATE_CACHE_SECONDS"):
        get_settings()


def test_a_deployed_stage_signs_with_the_first_of_its_configured_keys(env):
    env.setenv("STAGE", "dev")
    env.setenv("JWT_SIGNING_KEYS", json.dumps(KEYS))

    settings = get_settings()

    assert settings.jwt_signing_keys == KEYS
    assert settings.jwt_active_kid == "k2"


@pytest.mark.parametrize("raw", ["not json", "[]", "{}", '{"k1": ""}', '{"k1": 7}', '"a-key"'])
def test_signing_keys_that_are_not_an_object_of_key_id_to_key_are_refused(env, raw):
    env.setenv("STAGE", "dev")
    env.setenv("JWT_SIGNING_KEYS", raw)

    with pytest.raises(RuntimeError, match="JWT_SIGNING_KEYS"):
        get_settings()


def test_the_queue_prefix_needs_no_signing_keys_as_chalice_package_reads_it_without_secrets(env):
    env.setenv("STAGE", "dev")
    env.delenv("QUEUE_PREFIX", raising=False)

    assert queue_prefix() == "cinema-dev-"
