"""The event pump delivers SQS messages and schedules to a Chalice app the way Lambda and EventBridge do."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice import Chalice, Rate

from scripts.localcloud.events import EventPump
from scripts.localcloud.moto_server import MotoServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def moto_url():
    server = MotoServer().start()
    yield server.url
    server.stop()


@pytest.fixture
def sqs(moto_url):
    return boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1")


def _queue(sqs, *, visibility: int = 30, max_receive: int | None = None, delay: int = 0) -> tuple[str, str]:
    name = f"pump-{uuid.uuid4().hex[:8]}"
    attributes = {"VisibilityTimeout": str(visibility), "DelaySeconds": str(delay)}
    dlq_url = None
    if max_receive:
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive)})
    sqs.create_queue(QueueName=name, Attributes=attributes)
    return name, dlq_url


def _app_consuming(queue: str, *, batch_size: int = 10, fail: bool = False) -> tuple[Chalice, list[dict]]:
    """A test-only Chalice app whose queue handler records each event it gets (and raises when told)."""
    app = Chalice(app_name="tiny-pump")
    events: list[dict] = []

    @app.on_sqs_message(queue=queue, batch_size=batch_size)
    def consume(event):
        events.append(event.to_dict())
        if fail:
            raise RuntimeError("the consumer failed")

    return app, events


def _drain(pump: EventPump, seconds: float, until=lambda: False) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until():
        if not pump.poll(pump.sources[0]):
            time.sleep(0.1)


def _counts(sqs, queue_url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_message_is_delivered_in_lambdas_event_shape_then_deleted(sqs):
    queue, _ = _queue(sqs)
    app, events = _app_consuming(queue)
    pump = EventPump(app, sqs, "us-east-1")
    pump.discover()
    sqs.send_message(
        QueueUrl=pump.sources[0].queue_url,
        MessageBody='{"hold_id": "h-1"}',
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "expiry"}},
    )

    _drain(pump, 5, until=lambda: events)

    [record] = events[0]["Records"]
    assert record["body"] == '{"hold_id": "h-1"}'
    assert record["messageId"] and record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["SentTimestamp"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "expiry"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == pump.sources[0].queue_arn
    assert record["awsRegion"] == "us-east-1"
    assert _counts(sqs, pump.sources[0].queue_url) == (0, 0)


def test_messages_arrive_in_batches_no_larger_than_the_handlers_batch_size(sqs):
    queue, _ = _queue(sqs)
    app, events = _app_consuming(queue, batch_size=4)
    pump = EventPump(app, sqs, "us-east-1")
    pump.discover()
    for n in range(10):
        sqs.send_message(QueueUrl=pump.sources[0].queue_url, MessageBody=str(n))

    _drain(pump, 5, until=lambda: sum(len(e["Records"]) for e in events) == 10)

    assert max(len(event["Records"]) for event in events) == 4
    assert sorted(int(r["body"]) for e in events for r in e["Records"]) == list(range(10))


def test_a_failing_handlers_message_is_redelivered_after_the_visibility_timeout_then_dead_lettered(sqs):
    queue, dlq_url = _queue(sqs, visibility=1, max_receive=2)
    app, events = _app_consuming(queue, fail=True)
    pump = EventPump(app, sqs, "us-east-1")
    pump.discover()
    sqs.send_message(QueueUrl=pump.sources[0].queue_url, MessageBody="poison")

    _drain(pump, 6, until=lambda: _counts(sqs, dlq_url)[0] == 1)
    _drain(pump, 1.5)

    receive_counts = [record["attributes"]["ApproximateReceiveCount"] for e in events for record in e["Records"]]
    assert receive_counts == ["1", "2"]
    assert _counts(sqs, pump.sources[0].queue_url) == (0, 0)
    [dead] = sqs.receive_message(QueueUrl=dlq_url)["Messages"]
    assert dead["Body"] == "poison"


def test_a_delayed_message_is_delivered_only_after_its_delay(sqs):
    queue, _ = _queue(sqs, delay=2)
    app, events = _app_consuming(queue)
    pump = EventPump(app, sqs, "us-east-1")
    pump.discover()
    sent = time.monotonic()
    sqs.send_message(QueueUrl=pump.sources[0].queue_url, MessageBody="later")

    _drain(pump, 1.0)
    early = list(events)
    _drain(pump, 5, until=lambda: events)

    assert early == []
    assert events and time.monotonic() - sent >= 2


def test_a_scheduled_handler_runs_when_its_rate_is_due_with_eventbridges_event():
    app = Chalice(app_name="tiny-schedule")
    runs: list[dict] = []

    @app.schedule(Rate(5, unit=Rate.MINUTES))
    def every_five_minutes(event):
        runs.append(event.to_dict())

    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    pump = EventPump(app, sqs=None, region="us-east-1")
    pump.discover(now=start)

    assert pump.run_due(start + timedelta(minutes=4)) == []
    assert pump.run_due(start + timedelta(minutes=5)) == ["every_five_minutes"]
    assert pump.run_due(start + timedelta(minutes=6)) == []
    assert pump.jobs[0].due == start + timedelta(minutes=10)
    [event] = runs
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-12-01T12:05:00Z"
    assert event["resources"][0].endswith("every_five_minutes")
