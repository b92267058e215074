"""The local moto server's two remembered lookups give what moto's own lookups give, call for call."""

from __future__ import annotations

import boto3
import pytest
from moto.core import utils
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.responses import SQSResponse

from scripts.localcloud import moto_dispatch
from scripts.localcloud.moto_server import CachedDispatch, MotoServer

SCOPE = "AWS4-HMAC-SHA256 Credential=AKID/20261202/{region}/{service}/aws4_request, SignedHeaders=host, Signature=x"


def signed(service: str, target: str = "", path: str = "/", region: str = "us-east-1") -> dict:
    environ = {"PATH_INFO": path, "HTTP_AUTHORIZATION": SCOPE.format(region=region, service=service)}
    return {**environ, "HTTP_X_AMZ_TARGET": target} if target else environ


@pytest.mark.parametrize(
    "environ",
    [
        signed("dynamodb", "DynamoDB_20120810.GetItem"),
        signed("dynamodb", "DynamoDBStreams_20120810.GetRecords"),
        signed("sqs", "AmazonSQS.SendMessage"),
        signed("sqs", path="/123456789012/queue"),
        signed("execute-api", path="/@connections/abc"),
        signed("dynamodb", "DynamoDB_20120810.GetItem", region="eu-west-1"),
    ],
)
def test_a_signed_request_goes_to_the_application_moto_would_choose(environ):
    moto = DomainDispatcherApplication(create_backend_app)
    lookups = []
    dispatcher = DomainDispatcherApplication(create_backend_app)
    original = dispatcher.get_application
    dispatcher.get_application = lambda env: lookups.append(env) or original(env)  # type: ignore[method-assign]
    cached = CachedDispatch(dispatcher)

    for _ in range(2):
        assert cached.application(environ).service == moto.get_application(environ).service  # type: ignore[attr-defined]
    assert len(lookups) == 1  # looked up once, then remembered


def test_streams_and_tables_sign_alike_but_are_told_apart():
    tables = CachedDispatch.key(signed("dynamodb", "DynamoDB_20120810.Query"))
    streams = CachedDispatch.key(signed("dynamodb", "DynamoDBStreams_20120810.GetRecords"))
    assert tables != streams


def test_unsigned_and_moto_api_requests_are_never_remembered():
    assert CachedDispatch.key({"PATH_INFO": "/", "HTTP_HOST": "dynamodb.us-east-1.amazonaws.com"}) is None
    assert CachedDispatch.key({**signed("dynamodb"), "PATH_INFO": "/moto-api/reset"}) is None
    assert CachedDispatch.key({"PATH_INFO": "/", "HTTP_AUTHORIZATION": "AWS AKID:sig"}) is None


def test_the_server_answers_tables_streams_and_queues_through_the_remembered_choice():
    server = MotoServer().start()
    try:
        kwargs = {"endpoint_url": server.url, "region_name": "us-east-1"}
        dynamodb = boto3.client("dynamodb", **kwargs)
        table = dynamodb.create_table(
            TableName="dispatched",
            KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]
        streams = boto3.client("dynamodbstreams", **kwargs)
        described = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]
        sqs = boto3.client("sqs", **kwargs)
        url = sqs.create_queue(QueueName="dispatched")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")

        assert "dispatched" in dynamodb.list_tables()["TableNames"]  # beside the suite's own tables
        assert described["TableName"] == "dispatched"
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"
        # this process's moto is shared with other tests: leave nothing behind
        dynamodb.delete_table(TableName="dispatched")
        sqs.delete_queue(QueueUrl=url)
    finally:
        server.stop()


@pytest.mark.parametrize("handler", [DynamoHandler, DynamoDBStreamsHandler, SQSResponse])
def test_method_names_are_motos_own(handler):
    with moto_dispatch.cached_method_names():
        from moto.core import responses

        assert responses.method_names_from_class(handler) == utils.method_names_from_class(handler)
        assert responses.method_names_from_class(handler) is not responses.method_names_from_class(handler)
