"""The serialized moto's lock: one holder at a time, and the event pump's calls go before the API's."""

from __future__ import annotations

import threading
import time

from scripts.localcloud.environment import EVENT_PUMP_APP_ID, local_environment
from scripts.localcloud.moto_server import EVENT_PUMP_AGENT, PriorityLock


def _waiting_in_order(lock: PriorityLock, kinds: list[bool]) -> list[int]:
    """Threads that ask for the lock while it is held, one after another; the order they got it in."""
    order: list[int] = []
    threads = []
    for n, urgent in enumerate(kinds):

        def take(n: int = n, urgent: bool = urgent) -> None:
            with lock.held(urgent=urgent):
                order.append(n)

        threads.append(threading.Thread(target=take))
    with lock.held():
        for thread in threads:
            thread.start()
            time.sleep(0.05)  # each is waiting before the next asks
    for thread in threads:
        thread.join(timeout=5)
    return order


def test_an_urgent_caller_goes_before_callers_that_waited_longer():
    order = _waiting_in_order(PriorityLock(), [False, False, True, False])
    assert order[0] == 2
    assert sorted(order) == [0, 1, 2, 3]


def test_one_holder_at_a_time_under_a_crowd():
    lock = PriorityLock()
    inside, most = [0], [0]

    def work(urgent: bool) -> None:
        for _ in range(200):
            with lock.held(urgent=urgent):
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                inside[0] -= 1

    threads = [threading.Thread(target=work, args=(n % 3 == 0,)) for n in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert most[0] == 1


def test_botocore_names_the_event_pump_in_its_user_agent(monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_SDK_UA_APP_ID", EVENT_PUMP_APP_ID)
    client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sent = []
    client.meta.events.register("before-send.sqs.*", lambda request, **_: sent.append(request.headers["User-Agent"]))
    client.meta.events.register("before-send.sqs.*", lambda **_: _answer(), unique_id="no-network")
    client.list_queues()
    agent = sent[0].decode() if isinstance(sent[0], bytes) else sent[0]
    assert EVENT_PUMP_AGENT in agent


def _answer():
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield b'{"QueueUrls": []}'

    return AWSResponse("http://x", 200, {"Content-Type": "application/x-amz-json-1.0"}, Raw())


def test_the_api_processes_are_not_marked_urgent():
    from scripts.localcloud.environment import Ports

    env = local_environment({}, aws_endpoint="http://127.0.0.1:1", ports=Ports(1, 2, 3), localstack=False)
    assert "AWS_SDK_UA_APP_ID" not in env
