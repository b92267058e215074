"""Fixtures of the payment and ticket API tests: the reservation tests' screening and users, a staff member,
holds made over HTTP, and the provider's ledger read straight from its table."""

from __future__ import annotations

import itertools

import pytest
from chalice.test import Client

from app import app
from chalicelib.adapters.dynamodb.models.payments import ProviderLedgerItem
from tests.api.reservations.conftest import admin, alice, bob, clock, screening  # noqa: F401 (fixtures)

_keys = itertools.count()


@pytest.fixture
def staff(token_for) -> str:
    return token_for("door-1", "staff")


@pytest.fixture
def lambdas(app_services):
    with Client(app) as client:
        yield client


def hold(api, token, of_screening, seats) -> dict:
    body = {"screening_id": of_screening["id"], "seat_ids": seats}
    response = api.post("/api/seat-reservations", body, token=token)
    assert response.status == 201, response.json
    return response.json


def new_key() -> str:
    return f"key-{next(_keys):08d}-test"


def pay(api, token, reservation_id, card="tok_visa", key=None):
    return api.post(
        "/api/payments",
        {"reservation_id": reservation_id, "payment_method": {"type": "card", "token": card}},
        token=token,
        headers={"Idempotency-Key": key or new_key()},
    )


def seat_statuses(api, of_screening) -> dict[str, str]:
    seats = api.get(f"/api/seat-reservations/available-seats/{of_screening['id']}").json["seats"]
    return {seat["id"]: seat["status"] for seat in seats}


def ledger() -> dict[str, list[ProviderLedgerItem]]:
    """The provider's own books: succeeded charges, declined charges, refunds."""
    items = list(ProviderLedgerItem.scan(consistent_read=True))
    return {
        "charges": [i for i in items if i.kind == "charge" and i.succeeded],
        "declines": [i for i in items if i.kind == "charge" and not i.succeeded],
        "refunds": [i for i in items if i.kind == "refund"],
    }


def run_schedule(lambdas, name: str) -> None:
    lambdas.lambda_.invoke(name, lambdas.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))  # fmt: skip
