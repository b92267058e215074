"""The serialized moto server loses no acknowledged write under conflicting transactions; unserialized moto does.

Both servers run in this process on free ports. The race and its audit live in `race.py`.
"""

from __future__ import annotations

import gc
import threading
import time

import boto3
import pytest

from scripts.localcloud import moto_transactions
from scripts.localcloud.moto_server import MotoServer

from .race import make_table, run_race

pytestmark = pytest.mark.slow


@pytest.fixture
def serialized_server():
    with moto_transactions.per_item_transactions():
        server = MotoServer(serialized=True).start()
        yield server
        server.stop()


@pytest.fixture
def unserialized_stock_server():
    """moto as its own threaded server runs it: no lock, moto's whole-table transaction snapshot."""
    assert not moto_transactions.installed()
    server = MotoServer(serialized=False).start()
    yield server
    server.stop()


def test_eight_clients_racing_conflicting_transactions_lose_no_acknowledged_write(serialized_server):
    table = make_table(serialized_server.url, filler_items=300)

    result = run_race(serialized_server.url, table, clients=8, transactions_each=40)

    assert result.server_errors == []
    assert result.unexpected == []
    assert result.inconsistencies == []
    assert sum(result.acknowledged.values()) == 8 * 20


def test_without_serialization_the_same_race_loses_writes_or_fails_with_500s(unserialized_stock_server):
    """The guard matters: stock moto corrupts data under this race. Bounded: at most 5 races of 8 x 30."""
    observed = []
    for _attempt in range(5):
        table = make_table(unserialized_stock_server.url, filler_items=300)
        result = run_race(unserialized_stock_server.url, table, clients=8, transactions_each=30)
        observed.append(result)
        if result.corrupted:
            break

    assert observed[-1].corrupted, "unserialized moto survived 5 races: the serialization test would prove nothing"


def test_a_long_poll_waits_outside_the_lock_and_still_receives_a_message_sent_meanwhile(serialized_server):
    sqs = boto3.client("sqs", endpoint_url=serialized_server.url, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
    received: dict = {}

    def long_poll() -> None:
        started = time.monotonic()
        received["answer"] = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)
        received["waited"] = time.monotonic() - started

    poller = threading.Thread(target=long_poll)
    poller.start()
    time.sleep(0.5)
    other_call_started = time.monotonic()
    boto3.client("sqs", endpoint_url=serialized_server.url, region_name="us-east-1").send_message(
        QueueUrl=queue_url, MessageBody="hello"
    )
    other_call_took = time.monotonic() - other_call_started
    poller.join(timeout=10)

    assert other_call_took < 1.0
    assert [m["Body"] for m in received["answer"]["Messages"]] == ["hello"]
    assert received["waited"] < 3.0


def test_what_survives_a_full_collection_is_no_longer_scanned_by_the_next_one():
    from scripts.localcloud.moto_server import freeze_survivors_of_full_collections

    survivor = [object() for _ in range(1000)]
    callbacks = list(gc.callbacks)
    try:
        freeze_survivors_of_full_collections()
        gc.collect()
        assert gc.get_freeze_count() >= len(survivor)
    finally:
        gc.callbacks[:] = callbacks
        gc.unfreeze()
