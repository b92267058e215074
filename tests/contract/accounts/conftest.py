"""Each contract test runs against the in-memory fake and the DynamoDB adapter (on moto): both must pass it."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.accounts import DynamoLoginCounters, DynamoSessions, DynamoUsers
from tests.contract.accounts.shared_moto import empty_all_tables, moto_with_all_tables
from tests.fakes.accounts import InMemoryLoginCounters, InMemorySessions, InMemoryUsers

IMPLEMENTATIONS = {
    "memory": (InMemoryUsers, InMemorySessions, InMemoryLoginCounters),
    "dynamodb": (DynamoUsers, DynamoSessions, DynamoLoginCounters),
}


@pytest.fixture(scope="module")
def module_aws():
    with moto_with_all_tables() as settings:
        yield settings


@pytest.fixture
def dynamodb(request):
    """This module's moto with every table, emptied."""
    settings = request.getfixturevalue("module_aws")
    empty_all_tables()
    return settings


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def implementation(request):
    if request.param == "dynamodb":
        request.getfixturevalue("dynamodb")
    return IMPLEMENTATIONS[request.param]


@pytest.fixture
def users(implementation):
    return implementation[0]()


@pytest.fixture
def sessions(implementation):
    return implementation[1]()


@pytest.fixture
def counters(implementation):
    return implementation[2]()
