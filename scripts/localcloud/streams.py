"""DynamoDB Streams into the app's ``on_dynamodb_record`` handlers: what Lambda's event source mapping does.

For each handler (``app.event_sources``, `DynamoDBEventConfig`) the pump finds the table its
``stream_arn`` names (the deployed ARN is a placeholder until CloudFormation resolves it; the table name
in it is real), waits until the table exists with a stream, and then, per shard:

- takes a shard iterator at the handler's ``starting_position`` (``LATEST`` or ``TRIM_HORIZON``);
- calls ``GetRecords`` with ``Limit=batch_size`` and hands a non-empty batch to the handler in Lambda's
  stream event shape (``{"Records": [{eventID, eventName, eventVersion, eventSource, awsRegion,
  dynamodb: {ApproximateCreationDateTime (epoch seconds), Keys, NewImage, OldImage, SequenceNumber,
  SizeBytes, StreamViewType}, eventSourceARN}]}``);
- a batch whose handler raises is kept and retried, with a growing pause, before anything after it:
  the shard's position does not move until its batch succeeds (Lambda's default for streams);
- an empty answer waits `POLL_SECONDS` (Lambda polls a shard about four times a second), a full one
  polls again at once.

moto 5.2.5 keeps one shard per table and every record of it in memory; ``GetRecords`` slices that
list, so it costs what it returns, not what the stream holds (`scripts/bench_streams.py` measures it).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalice import Chalice
from chalice.app import DynamoDBEventConfig
from chalice.local import LambdaContext

log = logging.getLogger("localcloud.streams")

POLL_SECONDS = 0.25
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


@dataclass
class Shard:
    shard_id: str
    iterator: str | None
    failed_batch: list[dict[str, Any]] = field(default_factory=list)
    failures: int = 0


@dataclass
class StreamSource:
    handler: str
    table_name: str
    batch_size: int
    starting_position: str
    stream_arn: str | None = None
    shards: list[Shard] = field(default_factory=list)


def table_of(stream_arn: str) -> str:
    """``arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`` -> ``<name>``."""
    return stream_arn.split(":", 5)[5].split("/")[1]


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A ``GetRecords`` record as Lambda hands it to a function: epoch seconds and the ``eventSourceARN``."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion"),
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }


def invoke(app: Chalice, handler: str, event: dict[str, Any], after_failure: str) -> bool:
    """Run an event handler as Lambda would; False (logged, with what happens next) when it raised."""
    context = LambdaContext(function_name=handler, memory_size=512, max_runtime_ms=60_000)
    try:
        app.handler_map[handler](event, context)
    except Exception:
        log.exception("handler %s failed; %s", handler, after_failure)
        return False
    return True


class StreamPump:
    def __init__(self, app: Chalice, dynamodb: Any, streams: Any, *, poll_seconds: float = POLL_SECONDS):
        self._app = app
        self._dynamodb = dynamodb
        self._streams = streams
        self._poll_seconds = poll_seconds
        self.sources = [
            StreamSource(config.name, table_of(config.stream_arn), config.batch_size, config.starting_position)
            for config in app.event_sources
            if isinstance(config, DynamoDBEventConfig)
        ]

    def attach(self, source: StreamSource) -> bool:
        """Find the table's stream and take an iterator per shard; False while the table or stream is missing."""
        try:
            table = self._dynamodb.describe_table(TableName=source.table_name)["Table"]
        except self._dynamodb.exceptions.ResourceNotFoundException:
            return False
        arn = table.get("LatestStreamArn")
        if not arn:
            return False
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        source.stream_arn = arn
        source.shards = [
            Shard(
                shard["ShardId"],
                self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=source.starting_position
                )["ShardIterator"],
            )
            for shard in shards
        ]
        log.info("stream of %s -> %s: %d shard(s)", source.table_name, source.handler, len(source.shards))
        return True

    def poll(self, source: StreamSource) -> int:
        """Deliver at most one batch per shard; the number of records handed to the handler successfully."""
        delivered = 0
        for shard in source.shards:
            batch = shard.failed_batch
            if not batch:
                if shard.iterator is None:
                    continue  # a closed shard, read to its end
                answer = self._streams.get_records(ShardIterator=shard.iterator, Limit=source.batch_size)
                shard.iterator = answer.get("NextShardIterator")
                batch = [lambda_record(record, source.stream_arn or "") for record in answer.get("Records", [])]
                if not batch:
                    continue
            if invoke(self._app, source.handler, {"Records": batch}, "its batch is retried before anything after it"):
                shard.failed_batch, shard.failures = [], 0
                delivered += len(batch)
            else:
                shard.failed_batch = batch
                shard.failures += 1
        return delivered

    def run(self, stop: threading.Event) -> list[threading.Thread]:
        """One poller thread per stream, as Lambda polls each shard of each mapping on its own."""
        threads = [threading.Thread(target=self._forever, args=(s, stop), daemon=True) for s in self.sources]
        for thread in threads:
            thread.start()
        return threads

    def _forever(self, source: StreamSource, stop: threading.Event) -> None:
        while not stop.is_set() and not source.shards:
            try:
                if self.attach(source):
                    break
            except Exception:
                log.exception("attaching to the stream of %s failed; retrying", source.table_name)
            stop.wait(0.1)
        while not stop.is_set():
            try:
                delivered = self.poll(source)
            except Exception:
                log.exception("polling the stream of %s failed; retrying", source.table_name)
                delivered = 0
            failures = max((shard.failures for shard in source.shards), default=0)
            if failures:
                stop.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
            elif delivered < source.batch_size:
                stop.wait(self._poll_seconds)


def drain(pump: StreamPump, *, attempts: int = 3) -> int:
    """Deliver everything the streams hold now (tests): poll until a round delivers nothing."""
    total = 0
    for source in pump.sources:
        if not source.shards and not pump.attach(source):
            continue
        for _ in range(attempts):
            while (delivered := pump.poll(source)) > 0:
                total += delivered
            if not any(shard.failed_batch for shard in source.shards):
                break
            time.sleep(0)
    return total
