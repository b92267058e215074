"""The demo page lives on pushes: two people in two browser contexts on the local cloud, with its WebSocket.

Holds last 4 s here (``HOLD_SECONDS=4``), so an expiry can be watched. Every change another person makes
shows on the page within 2 s; the page reads no seat map while its socket is open; a socket lost and
restored resyncs from a snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import Page, expect

from scripts import demo_data
from scripts.localcloud.harness import local_cloud
from tests.e2e.browser.conftest import Cloud
from tests.e2e.browser.test_demo_page import hold_over_http, open_demo, seat, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WITHIN_MS = 2_000


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    with local_cloud(env={"HOLD_SECONDS": "4"}, dataset=demo_data.halls(1)) as running:
        [screening_id] = running.seeded.screening_ids
        yield Cloud(running, screening_id)


def live_page(new_page, cloud: Cloud) -> Page:
    page = new_page(websocket=True)
    open_demo(page, cloud)
    expect(page.locator("[data-connection]")).to_have_attribute("data-connection", "live")
    return page


def connection_ids(cloud: Cloud) -> set[str]:
    dynamodb = boto3.client("dynamodb", endpoint_url=cloud.local.aws_endpoint, region_name="us-east-1")
    items = dynamodb.scan(TableName="cinema-local-connections", ConsistentRead=True)["Items"]
    return {item["connection_id"]["S"] for item in items}


def test_what_one_person_holds_and_releases_shows_on_the_others_page_within_two_seconds(cloud, new_page):
    cloud.register("ana.live@example.com", "Ana")
    ana, ben = live_page(new_page, cloud), live_page(new_page, cloud)
    sign_in(ana, "ana.live@example.com")

    seat(ana, "F5").click()
    seat(ana, "F6").click()
    ana.locator('[data-action="hold"]').click()
    expect(seat(ana, "F5")).to_have_attribute("data-status", "mine")

    expect(seat(ben, "F5")).to_have_attribute("data-status", "held", timeout=WITHIN_MS)
    expect(seat(ben, "F6")).to_have_attribute("data-status", "held", timeout=WITHIN_MS)

    ana.locator('[data-action="release"]').click()
    expect(seat(ana, "F5")).to_have_attribute("data-status", "available")

    expect(seat(ben, "F5")).to_have_attribute("data-status", "available", timeout=WITHIN_MS)
    expect(seat(ben, "F6")).to_have_attribute("data-status", "available", timeout=WITHIN_MS)


def test_an_expired_hold_shows_free_within_two_seconds_of_its_expiry(cloud, new_page):
    ben = live_page(new_page, cloud)

    held = hold_over_http(cloud, "user-cara", ["H3"])
    expect(seat(ben, "H3")).to_have_attribute("data-status", "held", timeout=WITHIN_MS)
    expires_at = cloud.local.services().seat_inventory.get(held["id"]).expires_at.timestamp()
    time.sleep(max(0.0, expires_at - time.time()))

    expect(seat(ben, "H3")).to_have_attribute("data-status", "available", timeout=WITHIN_MS)


def test_the_page_reads_no_seat_map_while_its_socket_is_open(cloud, new_page):
    ben = live_page(new_page, cloud)
    reads: list[str] = []
    ben.on("request", lambda request: reads.append(request.url) if "available-seats" in request.url else None)

    hold_over_http(cloud, "user-dora", ["J7"])
    expect(seat(ben, "J7")).to_have_attribute("data-status", "held", timeout=WITHIN_MS)
    ben.wait_for_timeout(4_000)  # longer than the page's polling period without a socket

    assert reads == []


def test_a_socket_killed_and_restored_resyncs_from_a_snapshot_and_says_so(cloud, new_page):
    before = connection_ids(cloud)
    ben = live_page(new_page, cloud)
    connection = ben.locator("[data-connection]")
    [bens] = connection_ids(cloud) - before
    snapshots = int(connection.get_attribute("data-snapshots"))
    management = boto3.client("apigatewaymanagementapi", endpoint_url=cloud.local.management_url,
                              region_name="us-east-1")  # fmt: skip

    management.delete_connection(ConnectionId=bens)  # the gateway drops Ben's socket
    expect(connection).to_have_attribute("data-connection", "reconnecting")
    expect(connection).to_contain_text("reconnecting")
    hold_over_http(cloud, "user-eve", ["L9"])  # while Ben is away

    expect(connection).to_have_attribute("data-connection", "live", timeout=10_000)
    assert int(connection.get_attribute("data-snapshots")) == snapshots + 1
    expect(seat(ben, "L9")).to_have_attribute("data-status", "held")
