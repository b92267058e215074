"""The event pump reads a table's stream from the local cloud's moto server into an ``on_dynamodb_record``
handler the way Lambda's event source mapping does: batches in commit order, Lambda's record shape, and a
failed batch retried whole before anything after it."""

from __future__ import annotations

import uuid

import boto3
import pytest
from chalice import Chalice

from scripts.localcloud.moto_server import MotoServer
from scripts.localcloud.moto_transactions import per_item_transactions
from scripts.localcloud.streams import StreamPump, drain

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def moto_url():
    """As the local cloud runs moto: with the per-item transaction rollback (moto_server.py installs it)."""
    with per_item_transactions():
        server = MotoServer().start()
        yield server.url
        server.stop()


@pytest.fixture
def clients(moto_url):
    def client(service: str):
        return boto3.client(service, endpoint_url=moto_url, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip

    return client("dynamodb"), client("dynamodbstreams")


def _new_name() -> str:
    return f"stream-{uuid.uuid4().hex[:8]}"


def _table(dynamodb, name: str | None = None) -> str:
    name = name or _new_name()
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name


def _app_reading(table: str, *, batch_size: int = 100, failures: int = 0) -> tuple[Chalice, list[dict]]:
    """A test-only app whose stream handler records each event (and raises the first `failures` times)."""
    app = Chalice(app_name="tiny-stream")
    events: list[dict] = []
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/stream/latest"

    @app.on_dynamodb_record(stream_arn=arn, batch_size=batch_size)
    def read(event):
        events.append(event.to_dict())
        if len(events) <= failures:
            raise RuntimeError("the handler failed")

    return app, events


def _put(dynamodb, table: str, key: str, value: str) -> None:
    dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "v": {"S": value}})


def _attached(clients, table: str, **reading) -> tuple[StreamPump, list[dict]]:
    """A pump attached to the table's stream now (``LATEST``), for an app reading it; and the events read."""
    dynamodb, streams = clients
    app, events = _app_reading(table, **reading)
    pump = StreamPump(app, dynamodb, streams)
    assert pump.attach(pump.sources[0])
    return pump, events


def _keys(events: list[dict]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for event in events for record in event["Records"]]


def test_records_come_in_commit_order_in_lambdas_stream_event_shape(clients):
    dynamodb, _ = clients
    table = _table(dynamodb)
    pump, events = _attached(clients, table)

    _put(dynamodb, table, "a", "1")
    _put(dynamodb, table, "a", "2")
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    drain(pump)

    [event] = events
    records = event["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    first, second, third = records
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"].endswith(f"table/{table}/stream/" + first["eventSourceARN"].rsplit("/", 1)[1])
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)
    assert first["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert "OldImage" not in first["dynamodb"] and first["dynamodb"]["NewImage"]["v"] == {"S": "1"}
    assert second["dynamodb"]["OldImage"]["v"] == {"S": "1"} and second["dynamodb"]["NewImage"]["v"] == {"S": "2"}
    assert third["dynamodb"]["OldImage"]["v"] == {"S": "2"} and "NewImage" not in third["dynamodb"]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)


def test_a_batch_holds_at_most_the_handlers_batch_size(clients):
    dynamodb, _ = clients
    table = _table(dynamodb)
    pump, events = _attached(clients, table, batch_size=2)

    for n in range(5):
        _put(dynamodb, table, f"k{n}", "x")
    drain(pump)

    assert [len(e["Records"]) for e in events] == [2, 2, 1]


def test_a_failed_batch_is_retried_whole_before_anything_after_it(clients):
    dynamodb, _ = clients
    table = _table(dynamodb)
    pump, events = _attached(clients, table, batch_size=2, failures=2)
    [source] = pump.sources
    for n in range(3):
        _put(dynamodb, table, f"k{n}", "x")

    assert pump.poll(source) == 0
    assert pump.poll(source) == 0
    assert pump.poll(source) == 2
    assert pump.poll(source) == 1

    keys = [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]] for e in events]
    assert keys == [["k0", "k1"], ["k0", "k1"], ["k0", "k1"], ["k2"]]


def test_records_written_before_the_pump_attached_are_not_delivered_at_latest(clients):
    dynamodb, _ = clients
    table = _table(dynamodb)
    _put(dynamodb, table, "before", "x")
    pump, events = _attached(clients, table)

    _put(dynamodb, table, "after", "x")
    drain(pump)

    assert _keys(events) == ["after"]


def _cancelled_transaction(dynamodb, table: str) -> None:
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "new"}, "v": {"S": "y"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": "taken"}, "v": {"S": "y"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )  # fmt: skip


def test_a_cancelled_transaction_leaves_no_record_in_the_stream(clients):
    dynamodb, _ = clients
    table = _table(dynamodb)
    pump, events = _attached(clients, table)
    _put(dynamodb, table, "taken", "x")

    _cancelled_transaction(dynamodb, table)
    _put(dynamodb, table, "later", "x")
    drain(pump)

    assert _keys(events) == ["taken", "later"]


def test_stock_moto_strands_a_stream_reader_after_a_cancelled_transaction(clients):
    """Why the local cloud needs its per-item rollback for streams: moto 5.2.5 restores deep copies of whole
    tables, so an open reader keeps the old copy, with the cancelled write's record and none of the later ones."""
    dynamodb, _ = clients
    table = _table(dynamodb)
    pump, events = _attached(clients, table)
    _put(dynamodb, table, "taken", "x")

    from scripts.localcloud import moto_transactions

    moto_transactions.uninstall()
    try:
        _cancelled_transaction(dynamodb, table)
    finally:
        moto_transactions.install()
    _put(dynamodb, table, "later", "x")
    drain(pump)

    assert _keys(events) == ["taken", "new"]


def test_the_pump_waits_for_a_table_created_after_it_started(clients):
    dynamodb, streams = clients
    table = _new_name()
    app, events = _app_reading(table)
    pump = StreamPump(app, dynamodb, streams)
    [source] = pump.sources
    assert pump.attach(source) is False

    _table(dynamodb, table)
    assert pump.attach(source) is True
    _put(dynamodb, table, "first", "x")
    drain(pump)

    assert _keys(events) == ["first"]
