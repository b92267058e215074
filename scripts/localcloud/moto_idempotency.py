"""DynamoDB's ClientRequestToken for TransactWriteItems, which moto 5.2.5 ignores (local cloud, moto pinned).

As AWS documents it: a call with a token already used (within ten minutes) for the same request is answered
as the first was, and writes nothing; the same token with another request is
``IdempotentParameterMismatchException``. A cancelled transaction is not remembered: it wrote nothing.
A token is 1 to 36 characters (DynamoDB's constraint, which botocore does not check before sending); any
other is a ``ValidationException``, as DynamoDB answers it.
A token is forgotten ten minutes after its first answer (`TOKEN_SECONDS`), so a long-running server keeps
only the last ten minutes' tokens.

Installed by the moto server (`moto_server.py`), so a release or extension the SDK retries after a lost
answer gets the first answer there as in AWS, and around the DynamoDB runs of the booking contract suite,
so its idempotency cases test the adapter against the behaviour it relies on.
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.responses import DynamoHandler

from chalicelib.adapters.dynamodb.base import CLIENT_TOKEN_MAX_CHARS  # DynamoDB's limit, one definition
from scripts.localcloud.moto_patch import MotoPatch

TOKEN_SECONDS = 600  # how long DynamoDB keeps a ClientRequestToken
clock = time.monotonic  # what tokens age by

_original = DynamoHandler.transact_write_items
_answered: dict[str, tuple[float, str, Any]] = {}  # token -> (when, the request, its answer), oldest first


class IdempotentParameterMismatch(DynamodbException):
    def __init__(self) -> None:
        super().__init__(
            "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.",
        )


class TokenTooLong(DynamodbException):
    def __init__(self, token: str) -> None:
        super().__init__(
            "ValidationException",
            f"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: "
            f"Member must have length less than or equal to {CLIENT_TOKEN_MAX_CHARS}",
        )


def transact_write_items(self: DynamoHandler) -> Any:
    token = self.body.get("ClientRequestToken")
    if token is None:
        return _original(self)
    if len(token) > CLIENT_TOKEN_MAX_CHARS:
        raise TokenTooLong(token)
    now = clock()
    _forget_before(now - TOKEN_SECONDS)
    request = json.dumps(self.body["TransactItems"], sort_keys=True)
    if token in _answered:
        _, first_request, answer = _answered[token]
        if first_request != request:
            raise IdempotentParameterMismatch()
        return answer
    answer = _original(self)
    _answered[token] = (now, request, answer)
    return answer


def _forget_before(moment: float) -> None:
    while _answered:
        oldest = next(iter(_answered))
        if _answered[oldest][0] >= moment:
            return
        del _answered[oldest]


PATCH = MotoPatch((DynamoHandler, "transact_write_items", transact_write_items))
install = PATCH.install


def forget() -> None:
    """Forget every token: the tables were emptied, as if more than ten minutes had passed."""
    _answered.clear()
