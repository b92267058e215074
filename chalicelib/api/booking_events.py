"""Consumers and schedules of the booking room: hold expiry by message, and the sweep that backs it up."""

from __future__ import annotations

from chalice import Blueprint, Rate

from chalicelib.adapters.queues import HOLD_EXPIRY
from chalicelib.adapters.sqs import expiry_message
from chalicelib.bootstrap import services
from chalicelib.logs import logger

bp = Blueprint(__name__)


@bp.on_sqs_message(queue=HOLD_EXPIRY.deployed_name, batch_size=HOLD_EXPIRY.batch_size)
def expire_holds(event):
    """Idempotent: an ended hold is left alone; a hold extended since is nudged again for its new expiry."""
    booking = services().booking
    for record in event:
        still_running = booking.expire(expiry_message(record.body))
        if still_running is not None:
            booking.reschedule_expiry(still_running)


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_expired_holds(event):
    released = services().booking.sweep()
    if released:
        logger.info("sweep released expired holds", extra={"count": released})
