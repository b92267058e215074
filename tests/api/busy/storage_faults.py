"""Storage that answers "too busy", injected at the botocore client of every model: the answer DynamoDB gives
once the SDK's retries are spent, as the adapters would really meet it.

`StorageFaults.fail(kind, from_nth=k)` makes the k-th write call and every one after it answer with that error
(a table that started throttling, a conflict that does not go away); `writes` records every write call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from chalicelib.adapters.dynamodb import tables

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
READS = ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems")

KINDS = {
    "throughput": "ProvisionedThroughputExceededException",
    "throttling": "ThrottlingException",
    "request_limit": "RequestLimitExceeded",
    "conflict": "TransactionConflictException",
    "throttled_item": "TransactionCanceledException",  # one item of a transaction throttled
    "conflict_only": "TransactionCanceledException",  # every attempt met another transaction
}
"""What storage answers, by kind; the two cancellations differ by their reasons (`_answer`)."""


class _Raw:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b""


def _answer(kind: str, operation: str) -> dict[str, Any]:
    code = KINDS[kind]
    if operation != "TransactWriteItems" and code == "TransactionCanceledException":
        code = "ThrottlingException" if kind == "throttled_item" else "TransactionConflictException"
    parsed: dict[str, Any] = {"Error": {"Code": code, "Message": f"injected {kind}"}, "ResponseMetadata": {}}
    if code == "TransactionCanceledException":
        reason = "ThrottlingError" if kind == "throttled_item" else "TransactionConflict"
        parsed["CancellationReasons"] = [{"Code": "None"}] + [{"Code": reason}] * 99
        if kind == "conflict_only":
            parsed["CancellationReasons"] = [{"Code": "TransactionConflict"}] * 100
    return parsed


@dataclass
class StorageFaults:
    writes: list[tuple[str, str]] = field(default_factory=list)
    _rules: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, kind: str, *, from_nth: int = 1, times: int | None = None, reads: bool = False) -> None:
        """From the `from_nth` (1-based) write call on, every write call answers `kind` (or only `times` of them);
        with `reads`, every read call instead."""
        last = None if times is None else from_nth + times - 1
        self._rules.append({"kind": kind, "from_nth": from_nth, "last": last, "seen": 0, "reads": reads})

    def stop(self) -> None:
        self._rules.clear()

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict] | None:
        operation = model.name
        if operation in READS:
            return self._read(operation)
        if operation not in WRITES:
            return None
        table = _table_of(params.get("body") or b"")
        self.writes.append((operation, table))
        for rule in self._rules:
            if rule["reads"]:
                continue
            rule["seen"] += 1
            if rule["seen"] >= rule["from_nth"] and (rule["last"] is None or rule["seen"] <= rule["last"]):
                http = AWSResponse("https://dynamodb.local/", 400, {}, _Raw())
                return http, _answer(rule["kind"], operation)
        return None

    def _read(self, operation: str) -> tuple[AWSResponse, dict] | None:
        if any(rule["reads"] for rule in self._rules):
            return AWSResponse("https://dynamodb.local/", 400, {}, _Raw()), _answer("throttling", operation)
        return None


def _table_of(body: bytes | str) -> str:
    import json

    try:
        sent = json.loads(body)
    except ValueError:
        return ""
    names = [sent.get("TableName", "")]
    for item in sent.get("TransactItems", []):
        names += [op.get("TableName", "") for op in item.values()]
    names += list(sent.get("RequestItems", {}))
    return ",".join(name for name in names if name)


@contextmanager
def storage_faults() -> Iterator[StorageFaults]:
    faults = StorageFaults()
    clients = {id(c): c for c in (m._get_connection().connection.client for m in tables.all_models())}
    for client in clients.values():
        client.meta.events.register("before-call.dynamodb", faults._before_call, unique_id="test-storage-faults")
    try:
        yield faults
    finally:
        for client in clients.values():
            client.meta.events.unregister("before-call.dynamodb", unique_id="test-storage-faults")
