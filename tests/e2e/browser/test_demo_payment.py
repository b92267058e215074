"""The rest of the journey on the demo page in Debian's Chromium: hold, a declined card, pay, tickets with QR codes.

The screenshot of the tickets is kept as an artifact in out/ (git-ignored): out/demo-payment-tickets.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser.conftest import Cloud
from tests.e2e.browser.test_demo_page import open_demo, seat, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[3] / "out"


def test_a_declined_card_shows_the_providers_message_and_a_good_card_shows_the_tickets(cloud: Cloud, new_page):
    # Given Cleo has an account and holds two VIP seats
    cleo = cloud.register("cleo@example.com", "Cleo")
    page = new_page()
    open_demo(page, cloud)
    sign_in(page, "cleo@example.com")
    for seat_id in ("K15", "K16"):
        seat(page, seat_id).click()
    page.get_by_role("button", name="Hold seats").click()
    expect(page.locator("[data-reservation-seats]")).to_have_text("K15, K16")

    # When she pays with a card the provider declines
    page.get_by_label("Test card").select_option("tok_declined")
    page.get_by_role("button", name="Pay").click()

    # Then she reads the provider's message and still has her hold
    expect(page.get_by_role("status")).to_have_text("Your card was declined.")
    expect(page.locator("[data-reservation]")).to_be_visible()

    # When she pays with a good card
    page.get_by_label("Test card").select_option("tok_visa")
    page.get_by_role("button", name="Pay").click()

    # Then she sees a ticket with a QR code per seat, her hold is gone and the seats are sold
    expect(page.get_by_role("status")).to_contain_text("Paid $36.00")
    tickets = page.locator("[data-ticket-list] li")
    expect(tickets).to_have_count(2)
    expect(tickets.first).to_contain_text("Seat K15")
    for image in page.locator("[data-ticket-qr]").all():
        expect(image).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    page.wait_for_function(  # every QR code drawn, not just asked for
        "() => [...document.querySelectorAll('[data-ticket-qr]')].every(img => img.complete && img.naturalWidth > 0)"
    )
    expect(page.locator("[data-reservation]")).to_be_hidden()
    expect(seat(page, "K15")).to_have_attribute("data-status", "sold")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "demo-payment-tickets.png", full_page=True)

    # And the server agrees: one succeeded payment among her two attempts, two tickets
    token = cloud.token(cleo["user"]["id"])
    history = requests.get(
        f"{cloud.api}/api/payments/user/{cleo['user']['id']}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()["items"]
    assert sorted(p["status"] for p in history) == ["declined", "succeeded"]
