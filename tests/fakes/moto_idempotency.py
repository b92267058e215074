"""DynamoDB's ClientRequestToken for TransactWriteItems, which moto 5.2.5 ignores.

As AWS documents it: a call with a token already used (within ten minutes) for the same request is answered
as the first was, and writes nothing; the same token with another request is
``IdempotentParameterMismatchException``. A cancelled transaction is not remembered: it wrote nothing.
Installed around the DynamoDB runs of the booking contract suite, so its idempotency cases test the adapter
against the behaviour it relies on in AWS.
"""

from __future__ import annotations

import json
from typing import Any

from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.responses import DynamoHandler

from scripts.localcloud.moto_patch import MotoPatch

_original = DynamoHandler.transact_write_items
_answered: dict[str, tuple[str, Any]] = {}


class IdempotentParameterMismatch(DynamodbException):
    def __init__(self) -> None:
        super().__init__(
            "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.",
        )


def transact_write_items(self: DynamoHandler) -> Any:
    token = self.body.get("ClientRequestToken")
    if token is None:
        return _original(self)
    request = json.dumps(self.body["TransactItems"], sort_keys=True)
    if token in _answered:
        first_request, answer = _answered[token]
        if first_request != request:
            raise IdempotentParameterMismatch()
        return answer
    answer = _original(self)
    _answered[token] = (request, answer)
    return answer


PATCH = MotoPatch((DynamoHandler, "transact_write_items", transact_write_items))


def forget() -> None:
    """Forget every token: the tables were emptied, as if more than ten minutes had passed."""
    _answered.clear()
