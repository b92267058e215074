"""Each `QueueDef` becomes a queue and its dead-letter queue, named with the stage's ``QueuePrefix``."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.queues import QueueDef
from infrastructure.naming import QUEUE_PREFIX_PARAM, arn_of, camel, placeholder, sub

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: a dead letter waits two weeks for someone to look
# QueueDef fields that are not SQS attributes: the consumer's event source uses them (checked by the tests).
CONSUMER_FIELDS = frozenset({"batch_size"})


def logical_id(queue: QueueDef) -> str:
    return camel(queue.base_name) + "Queue"


def dlq_logical_id(queue: QueueDef) -> str:
    return camel(queue.base_name) + "DeadLetterQueue"


def _fifo(queue: QueueDef) -> dict[str, Any]:
    return {"FifoQueue": True} if queue.fifo else {}


def queue_resources(queue: QueueDef) -> dict[str, dict[str, Any]]:
    prefix = placeholder(QUEUE_PREFIX_PARAM)
    main: dict[str, Any] = {
        "QueueName": sub(queue.name(prefix)),
        **_fifo(queue),
        "DelaySeconds": queue.delay_seconds,
        "VisibilityTimeout": queue.visibility_timeout,
        "RedrivePolicy": {
            "deadLetterTargetArn": arn_of(dlq_logical_id(queue)),
            "maxReceiveCount": queue.max_receive_count,
        },
        "SqsManagedSseEnabled": True,
    }
    if queue.fifo and queue.content_based_deduplication:
        main["ContentBasedDeduplication"] = True
    dead_letters: dict[str, Any] = {
        "QueueName": sub(queue.dlq_name(prefix)),
        **_fifo(queue),
        "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
        "SqsManagedSseEnabled": True,
    }
    return {
        logical_id(queue): {"Type": "AWS::SQS::Queue", "Properties": main},
        dlq_logical_id(queue): {"Type": "AWS::SQS::Queue", "Properties": dead_letters},
    }


def all_queue_resources(queues: tuple[QueueDef, ...]) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = {}
    for queue in queues:
        for name, resource in queue_resources(queue).items():
            if name in resources:
                raise ValueError(f"two queues map to the logical id {name}: rename one QueueDef.base_name")
            resources[name] = resource
    return resources


def queue_for(name: str, prefix: str, queues: tuple[QueueDef, ...]) -> QueueDef | None:
    """The `QueueDef` a consumer subscribed to, from the queue name Chalice read when app.py was imported."""
    return next((queue for queue in queues if queue.name(prefix) == name), None)
