"""The generator's rendering of shapes the registries do not have yet: streams, LSIs, INCLUDE projections, FIFO."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, LocalSecondaryIndex

from chalicelib.adapters.dynamodb.base import CinemaModel
from chalicelib.adapters.queues import QueueDef
from infrastructure import dynamodb, iam, sqs


class ByPriceIndex(LocalSecondaryIndex):
    class Meta:
        index_name = "by_price"
        projection = IncludeProjection(["title", "currency"])

    venue_id = UnicodeAttribute(hash_key=True)
    price_cents = NumberAttribute(range_key=True)


class ByCityIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_city"
        projection = IncludeProjection(["title"])

    city = UnicodeAttribute(hash_key=True)
    starts_at_ms = NumberAttribute(range_key=True)


class EventItem(CinemaModel):
    class Meta(CinemaModel.Meta):
        table_name = "events"
        stream_view_type = "NEW_AND_OLD_IMAGES"

    venue_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    price_cents = NumberAttribute()
    city = UnicodeAttribute()
    starts_at_ms = NumberAttribute()
    title = UnicodeAttribute()
    by_price = ByPriceIndex()
    by_city = ByCityIndex()


def test_a_model_with_a_stream_local_index_and_included_attributes_renders_all_three():
    properties = dynamodb.table_resource(EventItem)["Properties"]

    assert properties["TableName"] == {"Fn::Sub": "${TablePrefix}events"}
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert properties["LocalSecondaryIndexes"] == [
        {
            "IndexName": "by_price",
            "KeySchema": [
                {"AttributeName": "venue_id", "KeyType": "HASH"},
                {"AttributeName": "price_cents", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["currency", "title"]},
        }
    ]
    assert properties["GlobalSecondaryIndexes"][0]["KeySchema"] == [
        {"AttributeName": "city", "KeyType": "HASH"},
        {"AttributeName": "starts_at_ms", "KeyType": "RANGE"},
    ]
    assert [d["AttributeName"] for d in properties["AttributeDefinitions"]] == [
        "city",
        "event_id",
        "price_cents",
        "starts_at_ms",
        "venue_id",
    ]
    assert "TimeToLiveSpecification" not in properties


def test_a_streamed_table_lets_the_functions_read_its_stream_and_no_other():
    policy = iam.document(iam.template_scope([EventItem], (), None))

    streams = next(s for s in policy["Statement"] if s["Sid"] == "ReadTableStreams")
    assert streams["Resource"] == [{"Fn::Sub": "${EventsTable.Arn}/stream/*"}]


def test_a_fifo_queue_and_its_dead_letter_queue_are_both_fifo():
    queue = QueueDef("seat-requests", fifo=True, content_based_deduplication=True, visibility_timeout=120)

    rendered = sqs.queue_resources(queue)

    main = rendered["SeatRequestsQueue"]["Properties"]
    dlq = rendered["SeatRequestsDeadLetterQueue"]["Properties"]
    assert main["QueueName"] == {"Fn::Sub": "${QueuePrefix}seat-requests.fifo"}
    assert (main["FifoQueue"], main["ContentBasedDeduplication"]) == (True, True)
    assert dlq["QueueName"] == {"Fn::Sub": "${QueuePrefix}seat-requests-dlq.fifo"}
    assert dlq["FifoQueue"] is True


def test_a_consumer_is_matched_to_its_queue_definition_by_the_stage_prefix():
    standard, fifo = QueueDef("hold-expiry"), QueueDef("hold-expiry", fifo=True)

    assert sqs.queue_for("cinema-dev-hold-expiry", "cinema-dev-", (fifo, standard)) is standard
    assert sqs.queue_for("cinema-dev-hold-expiry.fifo", "cinema-dev-", (standard, fifo)) is fifo
    assert sqs.queue_for("cinema-prod-hold-expiry", "cinema-dev-", (standard, fifo)) is None


def test_grants_without_resources_are_left_out_of_the_policy():
    policy = iam.document(iam.template_scope([], (), None))

    assert [s["Sid"] for s in policy["Statement"]] == ["WriteLogs"]
