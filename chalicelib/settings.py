"""The one place that reads the environment.

`get_settings()` reads ``os.environ`` each time it is called, so tests and the local cloud can
change the environment before the composition root (`bootstrap`) builds its clients.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib import __version__

DEV_SIGNING_KEYS = {"dev-1": "dev-only-signing-key-change-me-in-every-deployed-stage"}
DEV_TICKET_KEYS = {"tdev-1": "ZGV2LW9ubHktdGlja2V0LWtleS1jaGFuZ2UtbWUtISE"}
"""Ed25519 seeds (base64url of 32 bytes) that sign ticket QR payloads; published, so local and test stages only."""
KEYLESS_STAGES = frozenset({"local", "test"})
"""Stages that may sign with `DEV_SIGNING_KEYS` (published in this repository): this machine's local cloud
and the test suite, and only when ``STAGE`` says so explicitly and the code is not running on Lambda
(``AWS_LAMBDA_FUNCTION_NAME``, which Lambda always sets). Everything else refuses to start without
``JWT_SIGNING_KEYS``: a deployed function whose ``STAGE`` went missing included."""
LOGIN_STATE_CACHE_MAX_SECONDS = 30
"""The longest a login's state may be remembered: half the revocation bound of docs/api.md."""


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    version: str = __version__
    region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    table_prefix: str = "cinema-local-"
    queue_prefix: str = "cinema-local-"
    # Holds
    hold_seconds: int = 600
    hold_extension_seconds: int = 300
    hold_max_seconds: int = 900
    # After a user's hold lapses or is released, its seats are not holdable by that user for this long
    # (others may take them at once): without it, re-holding resets the HOLD_MAX_SECONDS cap (docs/reservations.md)
    hold_cooldown_seconds: int = 600
    max_seats_per_hold: int = 10
    # Catalog: minutes to clean a theater after a screening, before the next may start
    cleaning_minutes: int = 20
    # Tokens
    jwt_algorithm: str = "HS256"
    jwt_signing_keys: dict[str, str] = field(default_factory=lambda: dict(DEV_SIGNING_KEYS))
    jwt_active_kid: str = "dev-1"
    jwt_issuer: str = "cinema-booking"
    jwt_audience: str = "cinema-booking-api"
    access_token_seconds: int = 900
    refresh_token_seconds: int = 30 * 24 * 3600
    # Login throttling
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 50
    login_window_seconds: int = 900
    # How long an instance trusts a login's state (signed out or not) once read; at most 30 s (docs/api.md)
    login_state_cache_seconds: int = LOGIN_STATE_CACHE_MAX_SECONDS
    # WebSocket management API (the @connections endpoint); None: derived from the event
    ws_management_url: str | None = None
    # WebSocket URL browsers connect to (the demo page); None: the page uses ws://<its host>:<its port + 1>
    ws_public_url: str | None = None
    log_level: str = "INFO"
    # Payments and tickets (docs/payments.md)
    ticket_signing_keys: dict[str, str] = field(default_factory=lambda: dict(DEV_TICKET_KEYS))
    ticket_active_kid: str = "tdev-1"
    refund_cutoff_minutes: int = 120
    payment_recovery_after_seconds: int = 300
    idempotency_seconds: int = 24 * 3600
    # Surge mode (docs/surge.md): direct hold attempts per second on one screening that switch on its queue,
    # how long queue mode outlasts the rush, and how long a queued request may wait before it expires
    surge_rate_per_second: int = 50
    surge_calm_seconds: int = 30
    surge_max_wait_seconds: int = 120


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def _may_use_the_development_key(env: Mapping[str, str]) -> bool:
    """Only where it is said explicitly (``STAGE`` local or test) and never on Lambda."""
    return env.get("STAGE") in KEYLESS_STAGES and not env.get("AWS_LAMBDA_FUNCTION_NAME")


def _signing_keys(raw: str | None, stage: str | None, development_key_allowed: bool) -> dict[str, str]:
    """Key id -> key; the first signs, all verify. Anyone could forge tokens signed with the built-in key."""
    if not raw:
        if development_key_allowed:
            return dict(DEV_SIGNING_KEYS)
        raise _no_keys("JWT_SIGNING_KEYS", stage, "docs/deploy.md")
    return _key_table("JWT_SIGNING_KEYS", raw, "key")


def _ticket_keys(raw: str | None, development_key_allowed: bool) -> dict[str, str]:
    """Key id -> Ed25519 seed (base64url, 32 bytes); the active one signs, all verify (rotation)."""
    if not raw:
        # Empty for a deployed stage: the ticket signer refuses to be built (`require_ticket_keys`), so only
        # the functions that sign or verify tickets fail, with this explanation, and nothing signs with the dev key.
        return dict(DEV_TICKET_KEYS) if development_key_allowed else {}
    return _key_table("TICKET_SIGNING_KEYS", raw, "seed")


def _key_table(name: str, raw: str, value: str) -> dict[str, str]:
    """The JSON object of key id to `value` (a non-empty string) that the variable `name` holds."""
    try:
        keys = json.loads(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} is not JSON; it is an object of key id to {value}.") from exc
    if not isinstance(keys, dict) or not keys or not all(isinstance(k, str) and k for k in keys.values()):
        raise RuntimeError(f"{name} must be a non-empty JSON object of key id to {value} (a string).")
    return keys


def require_ticket_keys(settings: Settings) -> dict[str, str]:
    if not settings.ticket_signing_keys:
        raise _no_keys("TICKET_SIGNING_KEYS", settings.stage, "docs/payments.md")
    return settings.ticket_signing_keys


def _no_keys(name: str, stage: str | None, doc: str) -> RuntimeError:
    return RuntimeError(
        f"{name} is not set for stage {stage!r}: refusing the built-in development key, which is public. "
        f"Only STAGE={' or '.join(sorted(KEYLESS_STAGES))}, set explicitly and outside Lambda, may run without it "
        f"({doc})."
    )


def queue_prefix() -> str:
    """The SQS name prefix alone: Chalice reads queue names when it imports app.py (``chalice package``, where
    the stage's secrets do not exist yet), so this needs no more of the environment than the prefix."""
    return os.environ.get("QUEUE_PREFIX", f"cinema-{os.environ.get('STAGE', 'local')}-")


def table_prefix() -> str:
    """The table name prefix alone, for what Chalice reads at import (the seat stream's ARN), as `queue_prefix`."""
    return os.environ.get("TABLE_PREFIX", f"cinema-{os.environ.get('STAGE', 'local')}-")


def get_settings() -> Settings:
    env = os.environ
    stage = env.get("STAGE", "local")
    development_key_allowed = _may_use_the_development_key(env)
    keys = _signing_keys(env.get("JWT_SIGNING_KEYS"), env.get("STAGE"), development_key_allowed)
    ticket_keys = _ticket_keys(env.get("TICKET_SIGNING_KEYS"), development_key_allowed)
    login_state_cache_seconds = _int("LOGIN_STATE_CACHE_SECONDS", LOGIN_STATE_CACHE_MAX_SECONDS)
    if not 0 <= login_state_cache_seconds <= LOGIN_STATE_CACHE_MAX_SECONDS:
        raise RuntimeError(
            f"LOGIN_STATE_CACHE_SECONDS must be between 0 and {LOGIN_STATE_CACHE_MAX_SECONDS}: the revocation "
            "bound of docs/api.md depends on it."
        )
    return Settings(
        stage=stage,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        table_prefix=table_prefix(),
        queue_prefix=queue_prefix(),
        hold_seconds=_int("HOLD_SECONDS", 600),
        hold_extension_seconds=_int("HOLD_EXTENSION_SECONDS", 300),
        hold_max_seconds=_int("HOLD_MAX_SECONDS", 900),
        hold_cooldown_seconds=_int("HOLD_COOLDOWN_SECONDS", 600),
        max_seats_per_hold=_int("MAX_SEATS_PER_HOLD", 10),
        cleaning_minutes=_int("CLEANING_MINUTES", 20),
        jwt_algorithm=env.get("JWT_ALGORITHM", "HS256"),
        jwt_signing_keys=keys,
        jwt_active_kid=env.get("JWT_ACTIVE_KID", next(iter(keys))),
        jwt_issuer=env.get("JWT_ISSUER", "cinema-booking"),
        jwt_audience=env.get("JWT_AUDIENCE", "cinema-booking-api"),
        access_token_seconds=_int("ACCESS_TOKEN_SECONDS", 900),
        refresh_token_seconds=_int("REFRESH_TOKEN_SECONDS", 30 * 24 * 3600),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
        login_max_failures_per_ip=_int("LOGIN_MAX_FAILURES_PER_IP", 50),
        login_window_seconds=_int("LOGIN_WINDOW_SECONDS", 900),
        login_state_cache_seconds=login_state_cache_seconds,
        ws_management_url=env.get("WS_MANAGEMENT_URL") or None,
        ws_public_url=env.get("WS_PUBLIC_URL") or None,
        log_level=env.get("LOG_LEVEL", "INFO"),
        ticket_signing_keys=ticket_keys,
        ticket_active_kid=env.get("TICKET_ACTIVE_KID", next(iter(ticket_keys), "")),
        refund_cutoff_minutes=_int("REFUND_CUTOFF_MINUTES", 120),
        payment_recovery_after_seconds=_int("PAYMENT_RECOVERY_AFTER_SECONDS", 300),
        surge_rate_per_second=_int("SURGE_RATE_PER_SECOND", 50),
        surge_calm_seconds=_int("SURGE_CALM_SECONDS", 30),
        surge_max_wait_seconds=_int("SURGE_MAX_WAIT_SECONDS", 120),
    )
