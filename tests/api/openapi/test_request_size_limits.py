"""The document bounds every part of a URL, and the longest URL it allows fits API Gateway's URL quota: nothing
the API accepts is refused by the gateway before reaching it (413/414/431 are the gateway's, docs/api.md)."""

from __future__ import annotations

import re

from app import app
from chalicelib.api.gateway_responses import MAX_PAYLOAD_BYTES, MAX_URL_CHARACTERS
from chalicelib.api.openapi import openapi_document
from chalicelib.api.requests import MAX_BODY_BYTES

PERCENT_ENCODED_CHARACTER = len("%F0%9F%8E%AC")  # one character, four UTF-8 bytes, each as %XX
PERCENT_ENCODED_ASCII = len("%2B")  # what a patterned value (ids, times, cursors: ASCII only) may become


def _longest_value(schema: dict) -> int:
    if schema.get("type") == "integer":
        return len(str(schema["maximum"]))
    if schema.get("type") == "boolean":
        return len("false")
    return schema["maxLength"] * (PERCENT_ENCODED_ASCII if "pattern" in schema else PERCENT_ENCODED_CHARACTER)


def _operations():
    for path, methods in openapi_document(app)["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation.get("parameters", [])


def test_every_path_and_query_parameter_has_a_published_bound():
    unbounded = [
        (method, path, parameter["name"])
        for method, path, parameters in _operations()
        for parameter in parameters
        if "maxLength" not in parameter["schema"] and "maximum" not in parameter["schema"]
    ]

    assert not unbounded


def test_the_longest_url_any_operation_accepts_fits_the_gateways_quota():
    for method, path, parameters in _operations():
        path_parameters = {p["name"]: _longest_value(p["schema"]) for p in parameters if p["in"] == "path"}
        longest_path = len(re.sub(r"{\w+}", "", path)) + sum(path_parameters.values())
        query = sum(len(p["name"]) + 2 + _longest_value(p["schema"]) for p in parameters if p["in"] == "query")
        url = len("https://abcdefghij.execute-api.eu-central-1.amazonaws.com/api") + longest_path + query

        assert url <= MAX_URL_CHARACTERS, (method, path, url)


def test_the_api_refuses_bodies_far_below_the_gateways_payload_quota():
    assert MAX_BODY_BYTES < MAX_PAYLOAD_BYTES
