"""A fast JSON answer for moto's DynamoDB item operations (local cloud only, moto pinned).

moto 5.2 serializes every response by walking botocore's output shapes value by value: a Query of 200
seats spends ~0.3 s there (measured), longer than the whole hold it precedes, and every request into the
serialized server waits behind it. DynamoDB speaks plain JSON and moto's `DynamoResult` already holds the
answer as plain JSON values (``dynamo_to_dict``), so for the item operations we write that dict with
``json.dumps`` and drop the keys whose value is None, which is what the shape walker's output comes to.
Anything that does not serialize (bytes, datetimes) falls back to moto's serializer.

The stream reader's ``GetRecords`` (DynamoDB Streams) gets the same treatment: its records are plain JSON
values but for one datetime each, written as the JSON protocol's epoch seconds (moto's own conversion). The
shape walker took a fifth (21%) of moto's CPU in the contention benchmark, the local event pump reading the
seat table's stream four times a second (a page of 100 seat records, median of 15 in-process: 66.5 ms by
moto's serializer, 7.3 ms here).
`tests/contract/localcloud/test_moto_fast_json.py` shows both give boto3 the same answers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from moto.core.responses import ActionContext, ActionResult
from moto.core.serialize import TimestampSerializer
from moto.dynamodb.responses import DynamoResult
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from scripts.localcloud.moto_patch import MotoPatch

ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
CONTENT_TYPE = "application/x-amz-json-1.0"

_ORIGINAL = DynamoResult.execute_result
_ORIGINAL_GET_RECORDS = DynamoDBStreamsHandler.get_records


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(inner) for key, inner in value.items() if inner is not None}
    if isinstance(value, list):
        return [_without_none(inner) for inner in value]
    return value


def execute_result(self: DynamoResult, context: ActionContext):
    if context.operation_model.name not in ITEM_OPERATIONS:
        return _ORIGINAL(self, context)
    try:
        body = json.dumps(_without_none(self.result), separators=(",", ":"))
    except TypeError:
        return _ORIGINAL(self, context)
    return 200, {"Content-Type": CONTENT_TYPE}, body


def _epoch_seconds(value: Any) -> Any:
    if isinstance(value, datetime):
        return TimestampSerializer._timestamp_unixtimestamp(value)
    raise TypeError(f"{type(value).__name__} is not plain JSON")


class StreamRecords(ActionResult):
    """``GetRecords``' answer, written with ``json.dumps``; moto's serializer if anything else is in it."""

    def execute_result(self, context: ActionContext):
        try:
            body = json.dumps(_without_none(self.result), separators=(",", ":"), default=_epoch_seconds)
        except TypeError:
            return super().execute_result(context)
        return 200, {"Content-Type": CONTENT_TYPE}, body


def get_records(self: DynamoDBStreamsHandler) -> ActionResult:
    return StreamRecords(_ORIGINAL_GET_RECORDS(self).result)


PATCH = MotoPatch(
    (DynamoResult, "execute_result", execute_result), (DynamoDBStreamsHandler, "get_records", get_records)
)
install, uninstall, installed, fast_json = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
