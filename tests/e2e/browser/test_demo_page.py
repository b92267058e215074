"""The demo seat map in Debian's Chromium, against the local cloud, as two people use it at the same time.

Ben's page runs on a paused clock (`new_page(paused_clock=True)`): it reads the seat map again only when the
test moves its clock 3 s on, so what it shows between polls is deterministic.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import PASSWORD, Cloud

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

POLL_MS = 3_000
ANAS_SEATS = ["K11", "K12", "K13"]  # row K is VIP: $18.00 a seat


def seat(page: Page, seat_id: str):
    return page.locator(f'[data-seat-id="{seat_id}"]')


def open_demo(page: Page, cloud: Cloud) -> None:
    page.goto(cloud.page_url())
    expect(page.locator("[data-seat-id]")).to_have_count(300)


def sign_in(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Signed in as")


def hold_over_http(cloud: Cloud, user_id: str, seat_ids: list[str]) -> dict:
    answer = requests.post(
        f"{cloud.api}/api/seat-reservations",
        headers={"Authorization": f"Bearer {cloud.token(user_id)}"},
        json={"screening_id": cloud.screening_id, "seat_ids": seat_ids},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_hold_shows_up_for_another_person_by_polling_and_the_loser_is_offered_alternatives(cloud, new_page, tmp_path):
    # Given Ana and Ben have accounts, and their pages cannot reach the WebSocket gateway: both fall back to polling
    cloud.register("ana@example.com", "Ana")
    cloud.register("ben@example.com", "Ben")
    ana, ben = new_page(), new_page(paused_clock=True)
    for page, email in ((ana, "ana@example.com"), (ben, "ben@example.com")):
        open_demo(page, cloud)
        sign_in(page, email)
    expect(ana.locator("[data-connection]")).to_have_attribute("data-connection", "polling")
    expect(ben.locator("[data-connection]")).to_have_attribute("data-connection", "polling")
    # ... and Ben has chosen K13 and K14 while they were free
    seat(ben, "K13").click()
    seat(ben, "K14").click()
    expect(seat(ben, "K13")).to_have_attribute("aria-pressed", "true")

    # When Ana chooses K11-K13 and holds them
    for seat_id in ANAS_SEATS:
        seat(ana, seat_id).click()
    expect(seat(ana, "K12")).to_have_attribute("aria-pressed", "true")
    ana.get_by_role("button", name="Hold seats").click()

    # Then she sees her hold with its total and a countdown from 10 minutes, and her seats as hers
    expect(ana.locator("[data-reservation]")).to_be_visible()
    expect(ana.locator("[data-reservation-seats]")).to_have_text("K11, K12, K13")
    expect(ana.locator("[data-total]")).to_have_text("$54.00")
    countdown = ana.get_by_role("timer")
    expect(countdown).to_have_text(re.compile(r"^(10:00|9:5\d)$"))
    expect(seat(ana, "K12")).to_have_attribute("aria-label", "Row K seat 12, VIP, $18.00, held by you")
    expect(seat(ana, "K12")).to_have_attribute("aria-pressed", "false")
    shown = countdown.inner_text()
    expect(countdown).not_to_have_text(shown)  # it ticks
    ana.screenshot(path=tmp_path / "ana-holding.png", full_page=True)

    # When Ben, whose page has not polled since, holds K13 and K14
    ben.get_by_role("button", name="Hold seats").click()

    # Then he is told K13 was lost and offered alternatives; picking one selects exactly those seats
    expect(ben.get_by_role("status")).to_contain_text("K13")
    expect(ben.locator("[data-lost]")).to_contain_text("Lost: K13.")
    alternative = ben.locator("[data-alternative]").first
    expect(alternative).to_be_visible()
    picked = alternative.get_attribute("data-alternative").split(",")
    assert len(picked) == 2 and not set(picked) & set(ANAS_SEATS)
    alternative.click()
    for seat_id in picked:
        expect(seat(ben, seat_id)).to_have_attribute("aria-pressed", "true")
    expect(ben.locator('[data-seat-id][aria-pressed="true"]')).to_have_count(2)

    # And Ben sees all of Ana's seats as held; trying one offers seats like it instead of selecting it
    for seat_id in ANAS_SEATS:
        expect(seat(ben, seat_id)).to_have_attribute("data-status", "held")
    seat(ben, "K12").click()
    expect(ben.locator("[data-lost]")).to_contain_text("K12 is taken.")
    expect(ben.locator("[data-alternative]").first).to_be_visible()
    expect(seat(ben, "K12")).to_have_attribute("aria-pressed", "false")
    ben.screenshot(path=tmp_path / "ben-offered-alternatives.png", full_page=True)

    # When Ana extends her hold once, it runs to the 15-minute cap from her first hold
    ana.get_by_role("button", name="Extend").click()
    expect(ana.get_by_role("status")).to_contain_text("Extended")
    expect(countdown).to_have_text(re.compile(r"^1[45]:\d\d$"))

    # When Ana releases her hold
    ana.get_by_role("button", name="Release").click()

    # Then her seats are free on her page at once, and on Ben's at his next poll (not before)
    expect(ana.get_by_role("status")).to_contain_text("Released K11, K12, K13")
    expect(ana.locator("[data-reservation]")).to_be_hidden()
    for seat_id in ANAS_SEATS:
        expect(seat(ana, seat_id)).to_have_attribute("data-status", "available")
    expect(seat(ben, "K11")).to_have_attribute("data-status", "held")
    ben.clock.run_for(POLL_MS)
    for seat_id in ANAS_SEATS:
        expect(seat(ben, seat_id)).to_have_attribute("data-status", "available")


def test_a_visitor_who_mistypes_the_password_is_told_and_can_register_from_the_page(cloud, new_page):
    page = new_page(paused_clock=True)
    open_demo(page, cloud)
    page.get_by_label("Email").fill("cleo@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    wrong = requests.post(
        f"{cloud.api}/api/auth/login", json={"email": "cleo@example.com", "password": "x"}, timeout=30
    ).json()["error"]["message"]
    expect(page.get_by_role("status")).to_have_text(wrong)  # the server's own message for the person
    expect(page.get_by_role("status")).to_have_attribute("data-tone", "error")

    page.get_by_role("button", name="New here? Create an account").click()
    page.get_by_label("Name").fill("Cleo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("status")).to_have_text("Signed in as Cleo. Choose seats on the map.")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    me = requests.post(
        f"{cloud.api}/api/auth/login", json={"email": "cleo@example.com", "password": PASSWORD}, timeout=30
    )
    assert me.status_code == 200 and me.json()["user"]["name"] == "Cleo"


def test_a_selected_seat_someone_else_takes_is_unselected_at_the_next_poll(cloud, new_page):
    page = new_page(paused_clock=True)
    open_demo(page, cloud)
    seat(page, "C5").click()
    seat(page, "C6").click()

    hold_over_http(cloud, "user-carol", ["C6"])
    page.clock.run_for(POLL_MS)

    expect(seat(page, "C6")).to_have_attribute("data-status", "held")
    expect(seat(page, "C6")).to_have_attribute("aria-pressed", "false")
    expect(seat(page, "C5")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status")).to_have_text("C6 was just taken by someone else.")


def test_the_map_runs_front_to_back_with_the_aisle_and_works_from_the_keyboard(cloud, new_page):
    page = new_page(paused_clock=True)
    open_demo(page, cloud)

    front, back = seat(page, "A1").bounding_box(), seat(page, "O1").bounding_box()
    assert front["y"] < back["y"], "row A (nearest the screen) is drawn first"
    a9, a10, a11 = (seat(page, f"A{n}").bounding_box() for n in (9, 10, 11))
    assert a11["x"] - a10["x"] > 1.5 * (a10["x"] - a9["x"]), "the layout's aisle after seat 10 is a gap"
    expect(seat(page, "K1")).to_have_attribute("data-category", "vip")
    expect(seat(page, "K1")).to_have_attribute("title", re.compile(r"\$18\.00"))

    seat(page, "A10").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")

    expect(seat(page, "B11")).to_be_focused()
    expect(seat(page, "B11")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "B11")).to_have_attribute("tabindex", "0")
    expect(page.locator('[data-seat-id][tabindex="0"]')).to_have_count(1)


def another_screening(cloud: Cloud) -> str:
    """A second 300-seat screening, made over HTTP by an admin."""
    from scripts import demo_data

    admin = {"Authorization": f"Bearer {cloud.local.token('e2e-admin', 'admin')}"}

    def made(path: str, body: dict) -> dict:
        answer = requests.post(f"{cloud.api}{path}", headers=admin, json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()

    movie = made("/api/movies", {**demo_data.HALL_MOVIE, "description": "Again."})
    theater = made("/api/theaters", {"name": "Hall Two", "layout": demo_data.hall_layout()})
    starts_at = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT20:00:00Z")
    return made("/api/screenings", {"movie_id": movie["id"], "theater_id": theater["id"], "starts_at": starts_at})["id"]


def test_a_returning_person_finds_their_hold_even_behind_a_hundred_newer_reservations_elsewhere(cloud, new_page):
    # Given Dora holds F5 and F6 here, and has since held and replaced seats of another screening 101 times
    dora = cloud.register("dora@example.com", "Dora")
    user_id, token = dora["user"]["id"], cloud.token(dora["user"]["id"])
    hold_over_http(cloud, user_id, ["F5", "F6"])
    elsewhere = another_screening(cloud)
    for n in range(101):  # a page of her reservations holds 100 at most: her hold here is on the second page
        seat_id = f"{'ABCDEF'[n // 20]}{n % 20 + 1}"
        answer = requests.post(
            f"{cloud.api}/api/seat-reservations",
            headers={"Authorization": f"Bearer {token}"},
            json={"screening_id": elsewhere, "seat_ids": [seat_id]},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        time.sleep(0.04)  # under SURGE_RATE_PER_SECOND (50): faster, the screening would switch to its waiting line

    # When she opens this screening's page and signs in
    page = new_page(paused_clock=True)
    open_demo(page, cloud)
    sign_in(page, "dora@example.com")

    # Then the page shows her hold here, with its seats as hers
    expect(page.locator("[data-reservation]")).to_be_visible()
    expect(page.locator("[data-reservation-seats]")).to_have_text("F5, F6")
    expect(seat(page, "F5")).to_have_attribute("aria-label", re.compile(r"held by you$"))
