"""A user's payments and tickets come out by pages, newest first, in every `Sales` store alike: each item once
across the pages, a last page without a cursor, and a cursor of another list or another user refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.layout import parse_layout
from chalicelib.domain.tickets import Ticket
from tests.contract.booking.conftest import SMALL_LAYOUT
from tests.contract.booking.conftest import a_hold as booking_hold
from tests.contract.payments.test_sales_conditions import NOW, a_payment, stores, tickets_of  # noqa: F401 (fixture)

SCREENINGS = ("scr_list_1", "scr_list_2", "scr_list_3")


def bought(inventory, sales, user: str, screening: str, seats: tuple[str, ...], minutes: int) -> list[Ticket]:
    """`user` buys `seats` of `screening`, `minutes` after NOW: a payment and its tickets of that moment."""
    at = NOW + timedelta(minutes=minutes)
    hold = booking_hold(user, seats, at=at, screening_id=screening)
    inventory.hold(hold, None, at)
    payment_id = f"pay_{user}_{screening}"
    sales.claim(hold.id, payment_id)
    payment = sales.start(replace(a_payment(hold, payment_id), created_at=at, updated_at=at))
    tickets = [replace(ticket, issued_at=at) for ticket in tickets_of(payment)]
    succeeded = replace(payment, charge_id=f"ch_{payment_id}", ticket_ids=tuple(t.id for t in tickets))
    sales.complete_sale(succeeded, hold, tickets, at)
    return tickets


@pytest.fixture
def shop(stores):  # noqa: F811 (the contract's fixture)
    inventory, sales = stores
    for screening in SCREENINGS:
        inventory.add_screening(screening, parse_layout(SMALL_LAYOUT).seats)
    bought_by_alice = [
        bought(inventory, sales, "alice", SCREENINGS[0], ("A1", "A2"), minutes=1),
        bought(inventory, sales, "alice", SCREENINGS[1], ("A1",), minutes=2),
        bought(inventory, sales, "alice", SCREENINGS[2], ("B1", "B2"), minutes=3),
    ]
    bought(inventory, sales, "bob", SCREENINGS[0], ("B5",), minutes=4)
    return sales, bought_by_alice


def every_page(list_page, limit: int) -> list[list]:
    pages, cursor = [], None
    while True:
        page = list_page(limit, cursor)
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_a_users_tickets_come_by_pages_newest_first_each_once(shop):
    sales, bought_by_alice = shop

    pages = every_page(lambda limit, cursor: sales.tickets_of_user("alice", limit, cursor), limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [ticket for page in pages for ticket in page]
    assert sorted(t.id for t in listed) == sorted(t.id for tickets in bought_by_alice for t in tickets)
    assert [t.issued_at for t in listed] == sorted((t.issued_at for t in listed), reverse=True)


def test_a_users_payments_come_by_pages_newest_first_each_once(shop):
    sales, _ = shop

    pages = every_page(lambda limit, cursor: sales.for_user("alice", limit, cursor), limit=2)

    assert [[p.screening_id for p in page] for page in pages] == [[SCREENINGS[2], SCREENINGS[1]], [SCREENINGS[0]]]


def test_a_list_that_fills_its_last_page_exactly_gives_no_cursor(shop):
    sales, _ = shop

    assert sales.tickets_of_user("alice", 5, None).next_cursor is None
    assert sales.tickets_of_user("bob", 1, None).next_cursor is None


@pytest.mark.parametrize(
    ("cursor_of", "user"),
    [
        pytest.param(lambda sales: sales.for_user("alice", 1, None).next_cursor, "alice", id="of_the_payments_list"),
        pytest.param(lambda sales: sales.tickets_of_user("alice", 1, None).next_cursor, "bob", id="of_another_user"),
    ],
)
def test_a_cursor_of_another_list_is_invalid_cursor(shop, cursor_of, user):
    sales, _ = shop
    cursor = cursor_of(sales)

    with pytest.raises(InvalidRequest) as refused:
        sales.tickets_of_user(user, 2, cursor)

    assert refused.value.code == "invalid_cursor"


def test_a_purchase_between_two_page_reads_neither_repeats_nor_hides_a_ticket(shop, stores):  # noqa: F811
    sales, bought_by_alice = shop
    inventory, _ = stores
    first = sales.tickets_of_user("alice", 2, None)
    inventory.add_screening("scr_list_4", parse_layout(SMALL_LAYOUT).seats)
    bought(inventory, sales, "alice", "scr_list_4", ("A3",), minutes=5)  # newer than every ticket listed so far

    rest = every_page(lambda limit, cursor: sales.tickets_of_user("alice", limit, cursor or first.next_cursor), 2)

    listed = [t.id for t in first.items] + [t.id for page in rest for t in page]
    assert sorted(listed) == sorted(t.id for tickets in bought_by_alice for t in tickets)
