"""A fast JSON answer for moto's DynamoDB item operations (local cloud only, moto pinned).

moto 5.2 serializes every response by walking botocore's output shapes value by value: a Query of 200
seats spends ~0.3 s there (measured), longer than the whole hold it precedes, and every request into the
serialized server waits behind it. DynamoDB speaks plain JSON and moto's `DynamoResult` already holds the
answer as plain JSON values (``dynamo_to_dict``), so for the item operations we write that dict with
``json.dumps`` and drop the keys whose value is None, which is what the shape walker's output comes to.
Anything that does not serialize (bytes, datetimes) falls back to moto's serializer.
`tests/contract/localcloud/test_moto_fast_json.py` shows both give boto3 the same answers.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionContext
from moto.dynamodb.responses import DynamoResult

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


PATCH = MotoPatch((DynamoResult, "execute_result", execute_result))
install, uninstall, installed, fast_json = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
