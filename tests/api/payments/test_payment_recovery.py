"""A process that dies between the charge and the sale leaves a payment in `charging`: the scheduled recovery
asks the provider by the payment's key and completes the sale, refunds the charge, or records that nothing was
charged. Checked in the ledger and the tables afterwards."""

from __future__ import annotations

import pytest

from tests.api.payments.conftest import hold, ledger, new_key, pay, run_schedule, seat_statuses


class Crash(Exception):
    """The Lambda dies: nothing after this line of the payment runs."""


@pytest.fixture
def crash_after_charging(app_services):
    provider = app_services.payment_provider
    real_charge = provider.charge

    def charge_then_die(*args):
        real_charge(*args)
        raise Crash()

    provider.charge = charge_then_die
    yield lambda: setattr(provider, "charge", real_charge)  # the next Lambda runs normally
    provider.charge = real_charge


@pytest.fixture
def crash_before_charging(app_services):
    provider = app_services.payment_provider
    real_charge = provider.charge

    def die(*args):
        raise Crash()

    provider.charge = die
    yield lambda: setattr(provider, "charge", real_charge)
    provider.charge = real_charge


def payment_of(app_services, reservation_id):
    return app_services.sales.payment_of(reservation_id)


def test_the_recovery_completes_a_charged_payment_whose_process_died(
    api, alice, screening, clock, lambdas, app_services, crash_after_charging
):
    reservation = hold(api, alice, screening, ["C4", "C5"])
    died = pay(api, alice, reservation["id"])
    assert died.status == 500 and payment_of(app_services, reservation["id"]).status == "charging"
    clock.advance(301)

    run_schedule(lambdas, "recover_payments")

    assert payment_of(app_services, reservation["id"]).status == "succeeded"
    assert seat_statuses(api, screening)["C4"] == seat_statuses(api, screening)["C5"] == "sold"
    tickets = api.post("/api/tickets", {"reservation_id": reservation["id"]}, token=alice)
    assert tickets.status == 201 and sorted(t["seat_id"] for t in tickets.json["items"]) == ["C4", "C5"]
    assert len(ledger()["charges"]) == 1 and ledger()["refunds"] == []


def test_the_recovery_refunds_a_charge_whose_hold_was_lost_meanwhile(
    api, alice, bob, screening, clock, lambdas, app_services, crash_after_charging
):
    reservation = hold(api, alice, screening, ["C4"])
    pay(api, alice, reservation["id"])
    clock.advance(601)
    hold(api, bob, screening, ["C4"])

    run_schedule(lambdas, "recover_payments")

    assert payment_of(app_services, reservation["id"]).status == "refunded"
    books = ledger()
    assert len(books["charges"]) == 1 and len(books["refunds"]) == 1
    assert books["refunds"][0].charge_id == books["charges"][0].object_id
    assert seat_statuses(api, screening)["C4"] == "held"


def test_the_recovery_records_a_payment_that_was_never_charged_and_frees_the_reservation(
    api, alice, screening, clock, lambdas, app_services, crash_before_charging
):
    reservation = hold(api, alice, screening, ["C4"])
    pay(api, alice, reservation["id"])
    clock.advance(301)

    run_schedule(lambdas, "recover_payments")

    assert ledger()["charges"] == []
    crash_before_charging()
    assert pay(api, alice, reservation["id"]).status == 201  # a new attempt may claim the reservation


def test_the_recovery_leaves_a_payment_that_may_still_be_running(
    api, alice, screening, clock, lambdas, app_services, crash_after_charging
):
    reservation = hold(api, alice, screening, ["C4"])
    pay(api, alice, reservation["id"])
    clock.advance(60)

    run_schedule(lambdas, "recover_payments")

    assert payment_of(app_services, reservation["id"]).status == "charging"


def test_retrying_with_the_same_key_after_a_crash_settles_the_same_payment_without_a_second_charge(
    api, alice, screening, app_services, crash_after_charging
):
    reservation = hold(api, alice, screening, ["C4"])
    key = new_key()
    pay(api, alice, reservation["id"], key=key)
    crash_after_charging()

    retried = pay(api, alice, reservation["id"], key=key)

    assert retried.status == 201, retried.json
    assert len(ledger()["charges"]) == 1
