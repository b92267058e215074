"""The composition root applies the settings it is built with."""

from __future__ import annotations

import logging
from dataclasses import replace

from chalicelib import bootstrap
from chalicelib.logs import logger
from chalicelib.settings import get_settings


def test_the_log_level_of_the_settings_is_the_loggers():
    before = logger.log_level
    try:
        bootstrap.Services(replace(get_settings(), log_level="WARNING"))

        assert logger.log_level == logging.WARNING
    finally:
        logger.setLevel(before)
