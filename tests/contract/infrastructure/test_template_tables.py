"""Every PynamoDB model has a table in the template with the model's keys, indexes, TTL and stream.

Read from the models' declared attributes (not from the generator), so a model changed without
regenerating fails here, naming the table.
"""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

from chalicelib.adapters.dynamodb import tables

MODELS = tables.all_models()
STALE = "infrastructure/resources.json is stale: run `make template`"


def table_for(resources: dict[str, Any], model) -> dict[str, Any]:
    name = {"Fn::Sub": "${TablePrefix}" + tables.base_name(model)}
    found = [
        r["Properties"]
        for r in resources.values()
        if r.get("Type") == "AWS::DynamoDB::Table" and r["Properties"]["TableName"] == name
    ]
    assert len(found) == 1, f"no table {tables.base_name(model)!r} for {model.__name__}: {STALE}"
    return found[0]


def declared_keys(attributes) -> list[dict[str, str]]:
    hash_keys = [a.attr_name for a in attributes.values() if a.is_hash_key]
    range_keys = [a.attr_name for a in attributes.values() if a.is_range_key]
    return [{"AttributeName": n, "KeyType": "HASH"} for n in hash_keys] + [
        {"AttributeName": n, "KeyType": "RANGE"} for n in range_keys
    ]


def key_types(attributes) -> dict[str, str]:
    return {a.attr_name: a.attr_type for a in attributes.values() if a.is_hash_key or a.is_range_key}


def declared_indexes(model, kind) -> dict[str, Any]:
    return {index.Meta.index_name: index for index in model._indexes.values() if isinstance(index, kind)}


def rendered_projection(index) -> dict[str, Any]:
    projection = {"ProjectionType": index.Meta.projection.projection_type}
    if index.Meta.projection.non_key_attributes:
        projection["NonKeyAttributes"] = sorted(index.Meta.projection.non_key_attributes)
    return projection


@pytest.fixture(params=MODELS, ids=lambda model: model.__name__)
def model(request):
    return request.param


def test_every_table_in_the_template_belongs_to_a_model(resources):
    names = {
        r["Properties"]["TableName"]["Fn::Sub"] for r in resources.values() if r.get("Type") == "AWS::DynamoDB::Table"
    }

    assert names == {"${TablePrefix}" + tables.base_name(m) for m in MODELS}, STALE


def test_the_table_has_the_models_key_schema(resources, model):
    table = table_for(resources, model)

    assert table["KeySchema"] == declared_keys(model.get_attributes())


def test_the_table_defines_exactly_the_key_attributes_of_the_table_and_its_indexes(resources, model):
    expected = key_types(model.get_attributes())
    for index in model._indexes.values():
        expected.update(key_types(index.Meta.attributes))

    definitions = table_for(resources, model)["AttributeDefinitions"]

    assert {d["AttributeName"]: d["AttributeType"] for d in definitions} == expected
    assert len(definitions) == len(expected)


@pytest.mark.parametrize(
    ("kind", "prop"), [(GlobalSecondaryIndex, "GlobalSecondaryIndexes"), (LocalSecondaryIndex, "LocalSecondaryIndexes")]
)
def test_the_table_has_the_models_indexes_with_their_keys_and_projection(resources, model, kind, prop):
    declared = declared_indexes(model, kind)

    rendered = {index["IndexName"]: index for index in table_for(resources, model).get(prop, [])}

    assert rendered.keys() == declared.keys(), STALE
    for name, index in declared.items():
        assert rendered[name]["KeySchema"] == declared_keys(index.Meta.attributes), name
        assert rendered[name]["Projection"] == rendered_projection(index), name
        assert "ProvisionedThroughput" not in rendered[name]


def test_the_table_expires_items_by_the_models_ttl_attribute(resources, model):
    ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]

    rendered = table_for(resources, model).get("TimeToLiveSpecification")

    assert rendered == ({"AttributeName": ttl[0], "Enabled": True} if ttl else None)


def test_the_table_streams_what_the_model_asks_for(resources, model):
    view_type = getattr(model.Meta, "stream_view_type", None)

    rendered = table_for(resources, model).get("StreamSpecification")

    assert rendered == ({"StreamViewType": view_type} if view_type else None)


def test_the_table_is_on_demand_recoverable_and_protected(resources, model):
    table = table_for(resources, model)

    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}


def test_deleting_or_replacing_the_stack_keeps_every_table(resources):
    for name, resource in resources.items():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), name
