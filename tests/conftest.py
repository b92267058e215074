"""Fixtures shared by every test layer: an AWS of our own (moto), a clock that moves when told, signed-in users."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters import queues
from chalicelib.adapters.dynamodb import tables
from chalicelib.domain.identity import Principal
from chalicelib.settings import get_settings
from tests.fakes.clock import FakeClock

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "STAGE": "test",
    "TABLE_PREFIX": "test-",
    "QUEUE_PREFIX": "test-",
    "HOLD_SECONDS": "600",
}


@pytest.fixture(autouse=True)
def test_env(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    yield
    bootstrap.override(None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def moto_session():
    """One moto for the whole run: creating a dozen tables costs seconds, emptying them costs milliseconds."""
    saved = {key: os.environ.get(key) for key in TEST_ENV}
    os.environ.update(TEST_ENV)
    with mock_aws():
        settings = get_settings()
        tables.create_all(settings)
        sqs = boto3.client("sqs", region_name=settings.region)
        queue_urls = queues.create_all(sqs, settings.queue_prefix)
        yield settings, sqs, queue_urls
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _empty_tables_and_queues(settings, sqs, queue_urls) -> None:
    tables.configure(settings)
    for model in tables.all_models():
        keys = [model._hash_keyname] + ([model._range_keyname] if model._range_keyname else [])
        client = model._get_connection().connection.client
        pages = client.get_paginator("scan").paginate(
            TableName=model.Meta.table_name,
            ProjectionExpression=", ".join(f"#k{i}" for i in range(len(keys))),
            ExpressionAttributeNames={f"#k{i}": k for i, k in enumerate(keys)},
        )
        for page in pages:
            for item in page["Items"]:
                client.delete_item(TableName=model.Meta.table_name, Key=item)
    _forget_stream_records()
    for url in sqs.list_queues(QueueNamePrefix=settings.queue_prefix).get("QueueUrls", []):
        sqs.delete_queue(QueueUrl=url)  # moto allows re-creating at once (AWS would wait 60 s); purge is 1/min
    queue_urls.update(queues.create_all(sqs, settings.queue_prefix))


def _forget_stream_records() -> None:
    """moto keeps every stream record for the life of the mock (DynamoDB keeps 24 h): one mock for the whole run
    would hold every seat write of every test, old and new images included, and grow past 20 GB. Each test's
    readers attach afresh, so a test starts with an empty shard, as a fresh table's stream would. Each GetRecords
    also leaves moto a shard iterator holding its shard (and so its records): those go too."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import StreamShard
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    for regions in dynamodb_backends.values():
        for backend in regions.values():
            for table in backend.tables.values():
                if table.stream_shard is not None:
                    table.stream_shard = StreamShard(table.account_id, table)
    for regions in dynamodbstreams_backends.values():
        for streams in regions.values():
            streams.shard_iterators.clear()


@pytest.fixture
def aws(moto_session):
    """moto with every table and queue created from the single definition, empty at the start of each test."""
    settings, sqs, queue_urls = moto_session
    _empty_tables_and_queues(settings, sqs, queue_urls)
    return get_settings()


@pytest.fixture
def app_services(aws, clock):
    """The composition root the app will use, on moto and the fake clock."""
    built = bootstrap.Services(aws, clock=clock)
    bootstrap.override(built)
    return built


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Api:
    """Drives the Chalice app through the API Gateway emulator, as a client would over HTTP."""

    def __init__(self, http):
        self._http = http

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> ApiResponse:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            sent.setdefault("Content-Type", "application/json")
            body = json.dumps(json_body).encode()
        response = self._http.request(method, path, headers=sent, body=body or b"")
        return ApiResponse(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body)

    def get(self, path: str, **kw) -> ApiResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw) -> ApiResponse:
        return self.request("POST", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw) -> ApiResponse:
        return self.request("PUT", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw) -> ApiResponse:
        return self.request("PATCH", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw) -> ApiResponse:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(app_services):
    from chalice.test import Client

    from app import app
    from scripts.localcloud.gateway import ApiGatewayEmulator

    with Client(app) as client:
        http = client.http
        http._local_gateway = ApiGatewayEmulator(app, http._config)
        yield Api(http)


@pytest.fixture
def token_for(app_services):
    """An access token for a principal (the authorizer trusts the signature; accounts tests make real users)."""

    def issue(user_id: str = "user-alice", role: str = "customer") -> str:
        return app_services.tokens.issue(Principal(user_id=user_id, role=role)).token

    return issue
