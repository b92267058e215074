"""Fixtures of the OpenAPI tests: the served document, and a client whose every answer must match it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.adapters.passwords import Argon2PasswordHasher
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # in the real past: tokens issued "now" are never from the future


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def cheap_hasher(app_services):
    """Same algorithm (argon2id), minimal cost."""
    app_services.password_hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def document(api) -> dict[str, Any]:
    """The document as a client gets it: over HTTP, without a token."""
    response = api.get("/api/openapi.json")
    assert response.status == 200, response.body
    return response.json


def schema_problems(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    """Where `instance` breaks `schema` (a schema of `document`, its refs resolved against the document)."""
    rooted = {**schema, "components": document["components"]}
    validator = Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


class DocumentedApi:
    """Calls the API by documented path templates and checks every answer against the document.

    An answer passes when its status is documented for that operation (explicitly, not by ``default``)
    and its body validates against the schema documented for that status and media type.
    """

    def __init__(self, api, document: dict[str, Any]):
        self.api = api
        self.document = document
        self.checked: set[tuple[str, str, int]] = set()

    def call(self, method: str, template: str, *, path_params: dict[str, str] | None = None, **kw) -> Any:
        path = re.sub(r"{(\w+)}", lambda match: (path_params or {})[match.group(1)], template)
        query = kw.pop("query", None)
        if query:
            path += "?" + "&".join(f"{name}={value}" for name, value in query.items())
        response = self.api.request(method, path, **kw)
        self.assert_documented(method, template, response)
        return response

    def assert_documented(self, method: str, template: str, response: Any) -> None:
        operation = self.document["paths"][template][method.lower()]
        answer = operation["responses"].get(str(response.status))
        assert answer is not None, f"{method} {template} answered {response.status}, not documented: {response.body}"
        self.checked.add((method, template, response.status))
        if "content" not in answer:
            assert not response.body, f"{method} {template} {response.status} is documented without a body"
            return
        media_type = response.headers["content-type"].split(";")[0].strip()
        assert media_type in answer["content"], f"{method} {template} answered {media_type}"
        if not (media_type == "application/json" or media_type.endswith("+json")):
            assert response.body, f"{method} {template} answered an empty {media_type}"
            return
        problems = schema_problems(self.document, answer["content"][media_type]["schema"], response.json)
        assert not problems, f"{method} {template} {response.status} breaks its documented schema: {problems}"


@pytest.fixture
def documented(api, document, cheap_hasher) -> DocumentedApi:
    return DocumentedApi(api, document)
