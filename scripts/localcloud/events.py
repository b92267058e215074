"""The local event pump: SQS queues into the app's ``on_sqs_message`` handlers, DynamoDB Streams into its
``on_dynamodb_record`` handlers (`scripts.localcloud.streams`), and ``@app.schedule`` handlers.

What Lambda's event source mappings and EventBridge rules do in AWS, read from the Chalice app object
(``app.event_sources``, ``app.handler_map``):

- every queue with an ``on_sqs_message`` handler is short-polled (long polls would hold the serialized
  moto) and delivered in Lambda's SQS event shape, up to the handler's ``batch_size``;
- a batch whose handler returns is deleted; one whose handler raises is left alone, so SQS makes it
  visible again after the visibility timeout and moves it to the dead-letter queue after
  ``maxReceiveCount`` receives (moto does that move on receive; tests/contract/localcloud checks it);
- delay queues and per-message delays are SQS's own (moto honours them);
- a scheduled handler runs when its ``rate(...)``/``cron(...)`` is due, with EventBridge's event;
- a table stream is read shard by shard in Lambda's stream event shape (`scripts.localcloud.streams`).

Run: ``python -m scripts.localcloud.events`` in the local stage's environment.
"""

from __future__ import annotations

import base64
import logging
import signal
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalice import Chalice
from chalice.app import ScheduledEventConfig, SQSEventConfig

from scripts.localcloud.environment import EVENT_PUMP_APP_ID, configure_logging, warm_up
from scripts.localcloud.schedules import Schedule, schedule_of
from scripts.localcloud.streams import StreamPump, invoke

log = logging.getLogger("localcloud.events")

ACCOUNT = "123456789012"
MAX_RECEIVE = 10  # SQS returns at most 10 messages per call


@dataclass
class QueueSource:
    handler: str
    queue_url: str
    queue_arn: str
    batch_size: int


@dataclass
class ScheduledJob:
    handler: str
    schedule: Schedule
    due: datetime


def lambda_attributes(message: dict[str, Any]) -> dict[str, Any]:
    return dict(message.get("Attributes", {}))


def lambda_message_attributes(message: dict[str, Any]) -> dict[str, Any]:
    """SQS API attributes (``StringValue``) in Lambda's spelling (``stringValue``)."""
    converted = {}
    for name, value in message.get("MessageAttributes", {}).items():
        binary = value.get("BinaryValue")
        converted[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])],
            "dataType": value["DataType"],
        }
    return converted


def sqs_event(source: QueueSource, messages: list[dict[str, Any]], region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": lambda_attributes(message),
                "messageAttributes": lambda_message_attributes(message),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": source.queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def scheduled_event(app: Chalice, job: ScheduledJob, region: str, now: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{app.app_name}-local-{job.handler}"],
        "detail": {},
    }


class EventPump:
    def __init__(
        self, app: Chalice, sqs: Any, region: str, *, idle_sleep: float = 0.2, streams: StreamPump | None = None
    ):
        self._app = app
        self._sqs = sqs
        self._streams = streams
        self._region = region
        self._idle_sleep = idle_sleep
        self.sources: list[QueueSource] = []
        self.jobs: list[ScheduledJob] = []

    def discover(self, now: datetime | None = None) -> None:
        """Find the app's queue handlers (their queues must exist) and schedules."""
        start = now or datetime.now(UTC)
        for config in self._app.event_sources:
            if isinstance(config, SQSEventConfig):
                name = config.queue or (config.queue_arn or "").rsplit(":", 1)[-1]
                url = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
                arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
                self.sources.append(QueueSource(config.name, url, arn["QueueArn"], config.batch_size))
            elif isinstance(config, ScheduledEventConfig):
                schedule = schedule_of(config.schedule_expression)
                self.jobs.append(ScheduledJob(config.name, schedule, schedule.next_after(start)))
        log.info(
            "event pump: queues %s, schedules %s",
            [(s.handler, s.queue_url) for s in self.sources],
            [(j.handler, j.schedule.text) for j in self.jobs],
        )

    def poll(self, source: QueueSource) -> int:
        """Deliver one batch from a queue; the number of messages handed to the handler."""
        messages: list[dict[str, Any]] = []
        while len(messages) < source.batch_size:
            answer = self._sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=min(MAX_RECEIVE, source.batch_size - len(messages)),
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = answer.get("Messages", [])
            messages.extend(received)
            if len(received) < MAX_RECEIVE:
                break
        if not messages:
            return 0
        event = sqs_event(source, messages, self._region)
        if invoke(self._app, source.handler, event, "its batch returns to the queue"):
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
            for start in range(0, len(entries), MAX_RECEIVE):
                self._sqs.delete_message_batch(QueueUrl=source.queue_url, Entries=entries[start : start + MAX_RECEIVE])
        return len(messages)

    def run_due(self, now: datetime) -> list[str]:
        """Run every scheduled handler that is due at ``now``; the names of those run."""
        ran = []
        for job in self.jobs:
            if job.due <= now:
                event = scheduled_event(self._app, job, self._region, now)
                invoke(self._app, job.handler, event, "it runs again when next due")
                job.due = job.schedule.next_after(now)
                ran.append(job.handler)
        return ran

    def run(self, stop: threading.Event) -> None:
        """One poller thread per queue (Lambda polls each mapping independently) and the schedule here."""
        pollers = [threading.Thread(target=self._poll_forever, args=(s, stop), daemon=True) for s in self.sources]
        for poller in pollers:
            poller.start()
        if self._streams is not None:
            pollers.extend(self._streams.run(stop))
        while not stop.wait(1.0):
            self.run_due(datetime.now(UTC))
        for poller in pollers:
            poller.join(timeout=5)

    def _poll_forever(self, source: QueueSource, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                delivered = self.poll(source)
            except Exception:
                log.exception("polling %s failed; retrying", source.queue_url)
                delivered = 0
            if not delivered:
                stop.wait(self._idle_sleep)


def main() -> None:
    import os

    import boto3

    os.environ["AWS_SDK_UA_APP_ID"] = EVENT_PUMP_APP_ID  # before any client is built: moto serves these first

    from app import app
    from chalicelib.settings import get_settings

    configure_logging()
    warm_up()
    settings = get_settings()
    sqs = boto3.client("sqs", region_name=settings.region, endpoint_url=settings.aws_endpoint_url)
    dynamodb = boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.aws_endpoint_url)
    streams = boto3.client("dynamodbstreams", region_name=settings.region, endpoint_url=settings.aws_endpoint_url)
    pump = EventPump(app, sqs, settings.region, streams=StreamPump(app, dynamodb, streams))
    pump.discover()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    pump.run(stop)


if __name__ == "__main__":
    main()
