"""Parsing request bodies, paths and queries into validated schemas (pydantic), or a 400 that names the fields."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from chalicelib.domain.errors import InvalidRequest, PayloadTooLarge
from chalicelib.domain.paging import PAGE_MAX

# A page's cursor, as every list gives it out (base64url, chalicelib/adapters/dynamodb/paging.py
# `encode_cursor`); anything else is `invalid_cursor`.
Cursor = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1024),
    Field(json_schema_extra={"pattern": "^[A-Za-z0-9_-]+$"}),
]

Limit = Annotated[int, Field(ge=1, le=PAGE_MAX)]
"""How many items a page may ask for."""

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
"""Arrays and objects nest at most this deep in a body or a WebSocket message; refused before parsing."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Every time or day the API takes lies in [EARLIEST, LATEST]: nothing there can overflow date arithmetic."""

# Every id the API hands out (users, movies, screenings, reservations...) and takes back, in a path or a body.
ID_MAX_LENGTH = 64
ID_PATTERN = rf"^[A-Za-z0-9_-]{{1,{ID_MAX_LENGTH}}}$"
_ID = re.compile(ID_PATTERN)
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]

Schema = TypeVar("Schema", bound=BaseModel)

_YEAR = r"20[0-9]{2}"
_DAY = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?" + _OFFSET
MOMENT_PATTERN = f"^{_DAY}{_TIME}$"
"""An ISO 8601 time with its offset, in the published range (the year 20xx, checked again after parsing)."""
DAY_OR_MOMENT_PATTERN = f"^{_DAY}({_TIME})?$"
MOMENT_MAX_LENGTH = len("2026-12-01T19:30:00.123456+01:00")
SLOT_PATTERN = f"^{_DAY}T([01][0-9]|2[0-3]):[0-5][05]:00{_OFFSET}$"
"""A time on a 5-minute mark (a screening's start): the pattern of `Moment`, minutes 00, 05... seconds 00."""
_DAY_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def in_published_range(value: datetime) -> datetime:
    """`value` when it lies in [EARLIEST, LATEST]; else a field error (pydantic names the field)."""
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be from {EARLIEST.isoformat()} to {LATEST.isoformat()}")
    return value


Moment = Annotated[
    AwareDatetime,
    AfterValidator(in_published_range),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN, "maxLength": MOMENT_MAX_LENGTH}
    ),
]
"""A time with its UTC offset, in [EARLIEST, LATEST]."""


NON_BLANK = r"\S"
"""Strings are trimmed before their length is checked: a required text has a character that is not a space."""


def day_as_moment(value: Any, end_of_day: bool) -> Any:
    """``2026-12-01`` as that day's midnight UTC (the next midnight when `end_of_day`); other values unchanged.

    A day outside the published range is refused here, before a day is added to it."""
    if not (isinstance(value, str) and _DAY_ONLY.fullmatch(value.strip())):
        return value
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a day") from exc
    midnight = datetime.combine(day, datetime.min.time(), UTC)
    in_published_range(midnight)
    return midnight + timedelta(days=1) if end_of_day else midnight


class RequestSchema(BaseModel):
    """Base of every JSON body schema: strict JSON types, unknown fields refused; bound strings per field."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True, frozen=True)


class QuerySchema(BaseModel):
    """Base of every query-string schema: text is coerced to the field's type, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PageQuery(QuerySchema):
    """A page of a list: ``limit`` items from ``cursor`` (the ``next_cursor`` of the page before)."""

    limit: Limit = 20
    cursor: Cursor | None = None


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


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not count); cheap, no parsing."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b'""', raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def read_json(raw_body: str | bytes | None) -> Any:
    """The JSON document of a body: 413 when oversized, 400 when not UTF-8, not JSON or nested too deep.

    The depth is checked before parsing: Python's parser (and every recursive walk after it) would
    otherwise exhaust the stack on ``[[[[...]]]]``."""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(message=f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        raise validation_error([{"field": "body", "message": "A JSON body is required."}], "A JSON body is required.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise validation_error([{"field": "body", "message": "The body is not valid UTF-8."}]) from exc
    if nesting_depth(raw) > MAX_JSON_DEPTH:
        message = f"Arrays and objects nest at most {MAX_JSON_DEPTH} deep."
        raise validation_error([{"field": "body", "message": message}], message)
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
