"""Races run against moto's server (serialized, as in the local cloud, and honouring ClientRequestToken as
DynamoDB does), never against the in-process mock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.adapters import queues
from chalicelib.adapters.dynamodb import tables
from chalicelib.domain.identity import Principal
from chalicelib.domain.layout import parse_layout
from chalicelib.settings import get_settings
from scripts.demo_data import hall_layout
from scripts.localcloud import moto_fast_json, moto_idempotency, moto_query, moto_transactions
from scripts.localcloud.moto_server import MotoServer

ADMIN = Principal("admin-race", "admin")


@pytest.fixture
def moto_server(monkeypatch):
    moto_idempotency.forget()
    with (
        moto_transactions.per_item_transactions(),
        moto_fast_json.fast_json(),
        moto_query.by_partition(),
        moto_idempotency.PATCH.active(),
    ):
        server = MotoServer(serialized=True).start()
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("TABLE_PREFIX", "race-")
        monkeypatch.setenv("QUEUE_PREFIX", "race-")
        settings = get_settings()
        tables.create_all(settings)
        queues.create_all(boto3.client("sqs", endpoint_url=server.url, region_name=settings.region), "race-")
        yield settings
        server.stop()


@pytest.fixture
def live_services(moto_server):
    """The real composition (system clock) on the moto server."""
    built = bootstrap.Services(moto_server)
    bootstrap.override(built)
    return built


@pytest.fixture
def race_screening(live_services) -> str:
    catalog = live_services.catalog
    from chalicelib.domain.catalog import MovieDetails

    movie = catalog.add_movie(
        ADMIN,
        MovieDetails(
            title="Rush",
            description="",
            genres=("Drama",),
            duration_minutes=120,
            rating="R",
            release_date=date(2013, 9, 20),
        ),
    )
    theater = catalog.add_theater(ADMIN, "Race hall", parse_layout(hall_layout()))
    starts = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    screening, _ = catalog.schedule_screening(ADMIN, movie.id, theater.id, starts)
    return screening.id
