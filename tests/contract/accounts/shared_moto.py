"""One moto per test module, emptied between tests: the accounts suites need fresh data, not fresh clients.

The root `aws` fixture starts moto, creates every table and (through `tables.configure`) a botocore client per
table for each test: about 5 s per test on this machine. These suites run dozens of tests on one schema, so
they pay that once per module and empty every table before each test instead: same isolation, no waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto import mock_aws

from chalicelib.adapters.dynamodb import tables
from chalicelib.settings import Settings, get_settings
from tests.conftest import TEST_ENV


@contextmanager
def moto_with_all_tables() -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as env:
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        for key, value in TEST_ENV.items():
            env.setenv(key, value)
        with mock_aws():
            settings = get_settings()
            tables.create_all(settings)
            yield settings


def empty_all_tables() -> None:
    for model in tables.all_models():
        items = list(model.scan(consistent_read=True))
        if items:
            with model.batch_write() as batch:
                for item in items:
                    batch.delete(item)
