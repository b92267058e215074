"""The seat table's change stream: every committed seat change, whoever wrote it, to watchers and holders.

Lambda's event source mapping (AWS) or the local event pump (`scripts.localcloud.streams`) calls
`seat_stream` with a batch of one shard's records in commit order; a batch that raises is retried whole,
from the same position, and nothing after it is delivered until it succeeds. Both services it calls are
safe to repeat: the same batch is sent with the same seqs, and an expiry nudge is idempotent.

Chalice reads ``stream_arn`` when it imports the app: `deployed_stream_arn` names the stage's seat table,
and the packaged template replaces it with the table's real ``StreamArn`` (infrastructure/template.py).
"""

from __future__ import annotations

import time
from datetime import UTC

from chalice import Blueprint

from chalicelib.adapters.dynamodb import tables
from chalicelib.adapters.dynamodb.models.booking import SeatItem
from chalicelib.adapters.dynamodb.seat_stream import seat_changes
from chalicelib.bootstrap import services
from chalicelib.domain.seat_changes import expiries
from chalicelib.logs import logger
from chalicelib.settings import table_prefix

bp = Blueprint(__name__)

BATCH_SIZE = 100


def deployed_stream_arn() -> str:
    """A placeholder of the seat table's stream ARN that names the table; the template puts the real one."""
    return f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_prefix()}{tables.base_name(SeatItem)}/stream/latest"


@bp.on_dynamodb_record(stream_arn=deployed_stream_arn(), batch_size=BATCH_SIZE, starting_position="LATEST")
def seat_stream(event, context=None):
    logger.remove_keys(["route", "method", "connection_id", "request_id"])  # left by requests served earlier
    changes = seat_changes(event)
    if not changes:
        return
    started = time.monotonic()
    posts = services().realtime.seat_changes(changes)
    told = time.monotonic()
    services().booking.nudge_expiries(expiries(changes))
    logger.info(
        "seat stream batch",
        extra={
            "records": len(changes),
            "posts": posts,
            "tell_ms": round((told - started) * 1000),
            "nudge_ms": round((time.monotonic() - told) * 1000),
            "behind_ms": _behind_ms(event),
        },
    )


def _behind_ms(event) -> int | None:
    """How long after its write the batch's first record reached the handler (ApproximateCreationDateTime)."""
    for record in event:
        return round((time.time() - record.timestamp.replace(tzinfo=UTC).timestamp()) * 1000)
    return None
