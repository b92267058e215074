"""Parsing request bodies, paths and queries into validated schemas (pydantic), or a 400 that names the fields."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from chalicelib.domain.errors import InvalidRequest, PayloadTooLarge

MAX_BODY_BYTES = 64 * 1024

# Every id the API hands out (users, movies, screenings, reservations...) and takes back, in a path or a body.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_ID = re.compile(ID_PATTERN)
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

Schema = TypeVar("Schema", bound=BaseModel)


class RequestSchema(BaseModel):
    """Base of every JSON body schema: strict JSON types, unknown fields refused; bound strings per field."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True, frozen=True)


class QuerySchema(BaseModel):
    """Base of every query-string schema: text is coerced to the field's type, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _field_problems(exc: ValidationError) -> list[dict[str, str]]:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in err["loc"]) or "body"
        problems.append({"field": location, "message": err["msg"]})
    return problems


def validation_error(problems: list[dict[str, str]], message: str | None = None) -> InvalidRequest:
    fields = ", ".join(problem["field"] for problem in problems)
    return InvalidRequest(
        "validation_error",
        message or f"The request has invalid fields: {fields}.",
        {"fields": problems},
    )


def path_id(value: str, field: str) -> str:
    """A path parameter that is an id, or a 400 naming it: nothing odd reaches DynamoDB."""
    if not _ID.fullmatch(value or ""):
        raise validation_error([{"field": field, "message": "must be 1-64 letters, digits, '-' or '_'"}])
    return value


def read_json(raw_body: str | bytes | None) -> Any:
    """The JSON document of a body: 413 when oversized, 400 when not UTF-8 or not JSON."""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(message=f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        raise validation_error([{"field": "body", "message": "A JSON body is required."}], "A JSON body is required.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise validation_error([{"field": "body", "message": "The body is not valid UTF-8."}]) from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise validation_error(
            [{"field": "body", "message": f"Malformed JSON: {exc}"}], "Malformed JSON body."
        ) from exc


def parse_body(schema: type[Schema], raw_body: str | bytes | None) -> Schema:
    """A JSON object body validated against `schema` (JSON mode: ISO strings are accepted for datetimes)."""
    data = read_json(raw_body)
    if not isinstance(data, dict):
        raise validation_error([{"field": "body", "message": "Expected a JSON object."}])
    try:
        return schema.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise validation_error(_field_problems(exc)) from exc


def parse_query(schema: type[Schema], params: Mapping[str, str] | None) -> Schema:
    """Query strings are all text: the schema coerces (lax mode) and refuses unknown parameters."""
    try:
        return schema.model_validate(dict(params or {}))
    except ValidationError as exc:
        raise validation_error(_field_problems(exc)) from exc
