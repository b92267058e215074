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
    records = list(event)
    requests = [seat_request_message(record.body) for record in records]
    first = frozenset(r.request_id for r, record in zip(requests, records, strict=True) if _first_delivery(record))
    services().surge.decide(requests, first_deliveries=first)


def _first_delivery(record) -> bool:
    """SQS counts receives: a message received once was never handed to a consumer before."""
    return record.to_dict().get("attributes", {}).get("ApproximateReceiveCount") == "1"
