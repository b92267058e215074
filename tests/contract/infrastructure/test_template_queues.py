"""Every `QueueDef` has a queue and a dead-letter queue in the template with the definition's attributes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib.adapters.queues import ALL_QUEUES, QueueDef
from infrastructure import sqs

STALE = "infrastructure/resources.json is stale: run `make template`"
SQS_ATTRIBUTE_FIELDS = {
    "base_name",
    "fifo",
    "delay_seconds",
    "visibility_timeout",
    "max_receive_count",
    "content_based_deduplication",
}


def queue_named(resources: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    found = [
        (logical_id, r["Properties"])
        for logical_id, r in resources.items()
        if r.get("Type") == "AWS::SQS::Queue" and r["Properties"]["QueueName"] == {"Fn::Sub": name}
    ]
    assert len(found) == 1, f"no queue {name!r}: {STALE}"
    return found[0]


@pytest.fixture(params=ALL_QUEUES, ids=lambda queue: queue.base_name)
def queue(request) -> QueueDef:
    return request.param


def test_every_field_of_a_queue_definition_reaches_aws():
    # A new QueueDef field must be rendered by infrastructure/sqs.py (or consumed by the event source).
    fields = {f.name for f in dataclasses.fields(QueueDef)}

    assert fields == SQS_ATTRIBUTE_FIELDS | sqs.CONSUMER_FIELDS


def test_every_queue_in_the_template_belongs_to_a_definition(resources):
    names = {r["Properties"]["QueueName"]["Fn::Sub"] for r in resources.values() if r.get("Type") == "AWS::SQS::Queue"}

    expected = {q.name("${QueuePrefix}") for q in ALL_QUEUES} | {q.dlq_name("${QueuePrefix}") for q in ALL_QUEUES}
    assert names == expected, STALE


def test_the_queue_has_the_definitions_fifo_delay_and_visibility(resources, queue):
    _, properties = queue_named(resources, queue.name("${QueuePrefix}"))

    assert properties.get("FifoQueue", False) is queue.fifo
    assert properties.get("ContentBasedDeduplication", False) is (queue.fifo and queue.content_based_deduplication)
    assert properties["DelaySeconds"] == queue.delay_seconds
    assert properties["VisibilityTimeout"] == queue.visibility_timeout
    assert properties["SqsManagedSseEnabled"] is True


def test_the_queue_dead_letters_after_the_definitions_receive_count(resources, queue):
    _, properties = queue_named(resources, queue.name("${QueuePrefix}"))
    dlq_id, dlq = queue_named(resources, queue.dlq_name("${QueuePrefix}"))

    assert properties["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": queue.max_receive_count,
    }
    assert dlq.get("FifoQueue", False) is queue.fifo  # a FIFO queue needs a FIFO dead-letter queue
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dlq["SqsManagedSseEnabled"] is True
    assert "RedrivePolicy" not in dlq


def test_queue_limits_that_aws_enforces_hold(queue):
    assert 0 <= queue.delay_seconds <= 900
    assert 0 <= queue.visibility_timeout <= 12 * 3600
    assert 1 <= queue.max_receive_count <= 1000
    assert 1 <= queue.batch_size <= (10 if queue.fifo else 10_000)
