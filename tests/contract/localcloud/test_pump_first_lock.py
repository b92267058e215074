"""The serialized moto lets the event pump's calls pass the API's (`moto_server.PumpFirstLock`)."""

from __future__ import annotations

import contextlib
import threading
import time

import boto3
from botocore.exceptions import EndpointConnectionError

from scripts.localcloud.environment import EVENT_PUMP_APP_ID
from scripts.localcloud.moto_server import EVENT_PUMP_AGENT, PumpFirstLock


def test_a_pump_call_waits_for_at_most_the_running_call_and_one_of_the_apis():
    lock = PumpFirstLock()
    order: list[str] = []
    running = threading.Event()
    release = threading.Event()

    def call(name: str, pump: bool, hold: threading.Event | None = None) -> None:
        with lock.held(pump=pump):
            order.append(name)
            if hold is not None:
                running.set()
                hold.wait(5)

    first = threading.Thread(target=call, args=("api-0", False, release))
    first.start()
    running.wait(5)
    waiting = [threading.Thread(target=call, args=(f"api-{n}", False)) for n in range(1, 9)]
    for thread in waiting:
        thread.start()
    time.sleep(0.2)  # the API's calls queue first
    pump = threading.Thread(target=call, args=("pump", True))
    pump.start()
    time.sleep(0.2)
    release.set()
    for thread in [first, *waiting, pump]:
        thread.join(5)

    assert sorted(order) == sorted(["api-0", *(f"api-{n}" for n in range(1, 9)), "pump"])  # each once, alone
    assert order.index("pump") <= 2


def test_the_pumps_clients_name_it_in_their_user_agent(monkeypatch):
    monkeypatch.setenv("AWS_SDK_UA_APP_ID", EVENT_PUMP_APP_ID)
    client = boto3.client("sqs", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    seen: list[str] = []
    client.meta.events.register("before-send", lambda request, **_: seen.append(request.headers["User-Agent"]))
    with contextlib.suppress(EndpointConnectionError):  # nothing listens there: only the request as sent matters
        client.list_queues()

    assert seen and EVENT_PUMP_AGENT in (seen[0].decode() if isinstance(seen[0], bytes) else seen[0])
