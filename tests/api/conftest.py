"""Fixtures of the HTTP-level tests: the seat table's stream delivered to the app as Lambda would."""

from __future__ import annotations

import pytest


class SeatStream:
    """The seat table's stream, read from moto by the local event pump's reader into the app's handler."""

    def __init__(self, pump) -> None:
        self._pump = pump

    def deliver(self) -> int:
        """Hand every record written since the last call to ``seat_stream``, as Lambda would; how many."""
        from scripts.localcloud.streams import drain

        return drain(self._pump)


@pytest.fixture
def seat_stream(app_services):
    """moto's stock transactions restore whole tables when cancelled, leaving a reader on the replaced stream
    (and its records of the cancelled write); the local cloud's per-item rollback keeps both right."""
    import boto3

    from app import app
    from chalicelib.adapters.dynamodb.models.booking import SeatItem
    from scripts.localcloud.moto_transactions import per_item_transactions
    from scripts.localcloud.streams import StreamPump

    region = app_services.settings.region
    pump = StreamPump(
        app, boto3.client("dynamodb", region_name=region), boto3.client("dynamodbstreams", region_name=region)
    )
    [source] = pump.sources
    source.table_name = SeatItem.Meta.table_name  # app.py was imported before the test stage's prefix was set
    with per_item_transactions():
        assert pump.attach(source), source
        yield SeatStream(pump)
