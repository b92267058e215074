"""The hold cap cannot be reset: a user's lapsed or released hold cools down before they may hold its seats again.

Short holds (HOLD_SECONDS 60, HOLD_MAX_SECONDS 90, HOLD_COOLDOWN_SECONDS 120), so every step is a clock move.
"""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib import bootstrap
from tests.api.reservations.test_reservations_api import hold, seat_statuses


@pytest.fixture(autouse=True)
def short_holds(app_services, clock):
    settings = dataclasses.replace(
        app_services.settings,
        hold_seconds=60,
        hold_extension_seconds=60,
        hold_max_seconds=90,
        hold_cooldown_seconds=120,
    )
    bootstrap.override(bootstrap.Services(settings, clock=clock))


def test_holding_the_same_seats_again_after_the_cap_is_a_409_hold_cooldown(api, alice, screening, clock):
    first = hold(api, alice, screening, ["C4", "C5"]).json
    extended = api.post(f"/api/seat-reservations/{first['id']}/extend", token=alice).json
    clock.advance(91)  # past the 90 s cap

    again = hold(api, alice, screening, ["C4", "C5"])

    assert extended["expires_at"] == "2026-06-01T12:01:30Z"
    assert again.status == 409
    assert again.json["error"] == {
        "code": "hold_cooldown",
        "message": again.json["error"]["message"],
        "details": {"cooling_seat_ids": ["C4", "C5"], "retry_after_seconds": 119},
    }
    assert seat_statuses(api, screening)["C4"] == "available"


def test_someone_else_may_hold_those_seats_during_the_cooldown(api, alice, bob, screening, clock):
    hold(api, alice, screening, ["C4"])
    clock.advance(61)

    assert hold(api, bob, screening, ["C4"]).status == 201


def test_a_released_hold_cools_down_too_and_the_seats_come_back_after_it(api, alice, screening, clock):
    first = hold(api, alice, screening, ["D1"]).json
    assert api.delete(f"/api/seat-reservations/{first['id']}", token=alice).status == 200

    refused = hold(api, alice, screening, ["D1"])
    clock.advance(120)
    accepted = hold(api, alice, screening, ["D1"])

    assert refused.status == 409 and refused.json["error"]["code"] == "hold_cooldown"
    assert accepted.status == 201


def test_other_seats_stay_holdable_and_a_running_hold_may_still_be_changed(api, alice, screening, clock):
    hold(api, alice, screening, ["E1"])
    clock.advance(61)

    other = hold(api, alice, screening, ["E3"])
    clock.advance(5)
    changed = hold(api, alice, screening, ["E3", "E4"])

    assert other.status == 201 and changed.status == 201
    assert changed.json["seat_ids"] == ["E3", "E4"]
