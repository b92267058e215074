"""Each contract test runs against the in-memory fake and the DynamoDB adapter (on moto): both must pass it."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.accounts import DynamoLoginCounters, DynamoSessions, DynamoUsers
from tests.fakes.accounts import InMemoryLoginCounters, InMemorySessions, InMemoryUsers

IMPLEMENTATIONS = {
    "memory": (InMemoryUsers, InMemorySessions, InMemoryLoginCounters),
    "dynamodb": (DynamoUsers, DynamoSessions, DynamoLoginCounters),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def implementation(request):
    if request.param == "dynamodb":
        request.getfixturevalue("aws")  # moto with every table, empty
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
