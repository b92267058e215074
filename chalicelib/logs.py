"""Structured JSON logs (Powertools Logger): one JSON object a line, with the request id on each."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="cinema-booking")
