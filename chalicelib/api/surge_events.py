"""The surge line's consumer: SQS FIFO batches of seat requests, decided in arrival order (docs/surge.md)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.adapters.queues import SEAT_REQUESTS
from chalicelib.adapters.sqs import seat_request_message
from chalicelib.bootstrap import services

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=SEAT_REQUESTS.deployed_name, batch_size=SEAT_REQUESTS.batch_size)
def decide_seat_requests(event):
    """Idempotent: a second delivery finds the decisions (and holds) of the first; a failure retries the batch."""
    services().surge.decide([seat_request_message(record.body) for record in event])
