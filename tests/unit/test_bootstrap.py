"""The composition root applies the settings it is built with."""

from __future__ import annotations

import logging
from dataclasses import replace

from chalicelib import bootstrap
from chalicelib.adapters.websocket import FANOUT_THREADS
from chalicelib.logs import logger
from chalicelib.settings import get_settings


def test_the_log_level_of_the_settings_is_the_loggers():
    before = logger.log_level
    try:
        bootstrap.Services(replace(get_settings(), log_level="WARNING"))

        assert logger.log_level == logging.WARNING
    finally:
        logger.setLevel(before)


def test_a_shared_client_keeps_a_connection_for_every_fanout_thread():
    assert FANOUT_THREADS < bootstrap.AWS_CLIENT_POOL


def test_a_shared_client_is_built_once_per_service_and_endpoint_with_that_pool():
    client = bootstrap.aws_client("sqs", "us-east-1", "http://127.0.0.1:1")

    assert bootstrap.aws_client("sqs", "us-east-1", "http://127.0.0.1:1") is client
    assert client.meta.config.max_pool_connections == bootstrap.AWS_CLIENT_POOL
