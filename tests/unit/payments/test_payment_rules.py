"""The rules of a payment that need no storage: ids, and the size of the one sale transaction."""

from __future__ import annotations

import pytest

from chalicelib.domain.payments import max_seats_per_sale, payment_id_for, sale_items, ticket_id_for
from chalicelib.services.payments import check_transaction_fits


def test_a_users_idempotency_key_always_stands_for_the_same_payment_and_never_for_another_users():
    assert payment_id_for("alice", "k-1") == payment_id_for("alice", "k-1")
    assert payment_id_for("alice", "k-1") != payment_id_for("bob", "k-1")
    assert payment_id_for("alice", "k-1") != payment_id_for("alice", "k-2")


def test_each_seat_of_a_payment_has_one_ticket_id():
    assert ticket_id_for("pay_1", "A1") == ticket_id_for("pay_1", "A1") != ticket_id_for("pay_1", "A2")


def test_a_sale_of_k_seats_writes_2k_plus_4_items_and_fits_the_100_item_transaction_up_to_48_seats():
    assert sale_items(10) == 24
    assert max_seats_per_sale() == 48 and sale_items(48) <= 100 < sale_items(49)


def test_a_hold_size_that_could_not_be_sold_in_one_transaction_is_refused_at_start():
    check_transaction_fits(10)
    check_transaction_fits(48)
    with pytest.raises(RuntimeError, match="MAX_SEATS_PER_HOLD=49"):
        check_transaction_fits(49)
