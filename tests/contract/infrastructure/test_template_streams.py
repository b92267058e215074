"""The seat stream's Lambda reads the seats table's own stream in AWS: the mapping follows the table, not a guess."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb import tables
from infrastructure.chalice_app import AppShape, Function, StageConfig, StreamSubscription
from infrastructure.template import TemplateError, chalice_overrides

STAGE = StageConfig("dev", "cinema-booking", {"TABLE_PREFIX": "cinema-dev-", "QUEUE_PREFIX": "cinema-dev-"}, "api",
                    True, "policy-dev.json")  # fmt: skip


def _shape(stream_arn: str) -> AppShape:
    return AppShape(
        stage=STAGE,
        functions=(Function("SeatStream", None, 60),),
        has_rest_api=False,
        websocket_stage=None,
        subscriptions=(),
        streams=(StreamSubscription("SeatStream", "SeatStreamDynamodbEventSource", stream_arn),),
    )


def test_the_seats_table_keeps_old_and_new_images_in_its_stream(resources):
    assert resources["SeatsTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_the_packaged_stream_mapping_reads_the_seats_tables_stream_arn(packaged_resources):
    [event] = packaged_resources["SeatStream"]["Properties"]["Events"].values()

    assert event["Type"] == "DynamoDB"
    assert event["Properties"]["Stream"] == {"Fn::GetAtt": ["SeatsTable", "StreamArn"]}
    assert event["Properties"]["StartingPosition"] == "LATEST"


def test_a_handler_reading_the_stream_of_a_table_without_one_is_refused():
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/cinema-dev-holders/stream/latest"

    with pytest.raises(TemplateError, match="cinema-dev-holders"):
        chalice_overrides(_shape(arn), tables.all_models(), ())


def test_the_stream_override_names_the_table_the_placeholder_names():
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/cinema-dev-seats/stream/latest"

    overrides = chalice_overrides(_shape(arn), tables.all_models(), ())

    [event] = overrides["SeatStream"]["Properties"]["Events"].values()
    assert event == {"Properties": {"Stream": {"Fn::GetAtt": ["SeatsTable", "StreamArn"]}}}
