"""`Once` on Powertools' idempotency utility with its DynamoDB persistence layer (the ``idempotency`` table).

The record's key is the hash of the scope (user + Idempotency-Key), so keys of different users never meet;
the payload's hash is kept with it and checked on every repeat (another body -> `Unprocessable`). While
the first request runs the record is INPROGRESS (a repeat -> `InProgress`, 409 with Retry-After) for at most
`in_progress_seconds`, after which a crashed request's key can run again (the payment it started is found by
its id and settled, never charged twice). Only an answer `work` returns is stored: a refusal it raises
deletes the record, so the client may try again with the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.errors import InProgress, Unprocessable

RETRY_AFTER_SECONDS = 1


class _Deadline:
    """What Powertools reads of a Lambda context: how long the request may still run."""

    def __init__(self, seconds: int):
        self._millis = seconds * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._millis


class PowertoolsOnce:
    def __init__(self, table_name: str, client: Any, keep_seconds: int, in_progress_seconds: int = 60):
        self._table_name = table_name
        self._client = client
        self._keep_seconds = keep_seconds
        self._in_progress_seconds = in_progress_seconds

    def run(self, scope: str, payload: Mapping[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        # Built per call: Powertools configures its persistence layer on each call, and requests run in threads.
        persistence = DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=self._client)
        config = IdempotencyConfig(
            event_key_jmespath="scope",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self._keep_seconds,
            hash_function="sha256",
        )
        config.register_lambda_context(_Deadline(self._in_progress_seconds))  # type: ignore[arg-type]

        @idempotent_function(
            data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix="payments"
        )
        def once(request: dict[str, Any]) -> dict[str, Any]:
            return work()

        try:
            result: dict[str, Any] = once(request={"scope": scope, "payload": dict(payload)})
        except IdempotencyValidationError as exc:
            raise Unprocessable(
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request; use a new key for a new request.",
            ) from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise InProgress(RETRY_AFTER_SECONDS) from exc
        return result
