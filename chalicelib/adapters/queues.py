"""Every SQS queue of the product, defined once: the consumers, the local cloud and CloudFormation derive from here."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.settings import queue_prefix


@dataclass(frozen=True)
class QueueDef:
    base_name: str
    fifo: bool = False
    delay_seconds: int = 0
    visibility_timeout: int = 60  # >= 6 x the consumer's timeout in AWS
    max_receive_count: int = 5  # then the dead-letter queue
    content_based_deduplication: bool = False
    batch_size: int = 10

    def name(self, prefix: str) -> str:
        suffix = ".fifo" if self.fifo else ""
        return f"{prefix}{self.base_name}{suffix}"

    def dlq_name(self, prefix: str) -> str:
        suffix = ".fifo" if self.fifo else ""
        return f"{prefix}{self.base_name}-dlq{suffix}"

    @property
    def deployed_name(self) -> str:
        """The name Chalice subscribes a consumer to. A deploy-time value: Chalice reads it when app.py is imported."""
        return self.name(queue_prefix())


# A standard queue: one message per hold, delayed until the hold expires, nudges its prompt release.
HOLD_EXPIRY = QueueDef("hold-expiry", visibility_timeout=60, max_receive_count=5, batch_size=10)

# FIFO: the surge line. One message group per screening (its arrival order), deduplicated by request id.
SEAT_REQUESTS = QueueDef("seat-requests", fifo=True, visibility_timeout=60, max_receive_count=5, batch_size=10)

ALL_QUEUES: tuple[QueueDef, ...] = (HOLD_EXPIRY, SEAT_REQUESTS)


def create_all(sqs_client, prefix: str) -> dict[str, str]:
    """Create every queue and its dead-letter queue (tests, local cloud, LocalStack). Returns name -> url."""
    urls: dict[str, str] = {}
    for queue in ALL_QUEUES:
        fifo_attrs = {"FifoQueue": "true"} if queue.fifo else {}
        dlq_url = sqs_client.create_queue(QueueName=queue.dlq_name(prefix), Attributes=fifo_attrs)["QueueUrl"]
        dlq_arn = sqs_client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        attrs = {
            **fifo_attrs,
            "VisibilityTimeout": str(queue.visibility_timeout),
            "DelaySeconds": str(queue.delay_seconds),
            "RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "{queue.max_receive_count}"}}',
        }
        if queue.fifo and queue.content_based_deduplication:
            attrs["ContentBasedDeduplication"] = "true"
        urls[queue.name(prefix)] = sqs_client.create_queue(QueueName=queue.name(prefix), Attributes=attrs)["QueueUrl"]
        urls[queue.dlq_name(prefix)] = dlq_url
    return urls
