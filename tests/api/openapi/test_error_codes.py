"""The error codes the document and docs/api.md name are exactly the ones the code gives, with their status."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from app import app
from chalicelib.api.errors import STATUS
from chalicelib.api.gateway_responses import GATEWAY_RESPONSES, REQUEST_LIMITS
from chalicelib.api.openapi import operations
from chalicelib.domain import errors

ROOT = Path(__file__).resolve().parents[3]
ERROR_CLASSES = {
    name: cls for name, cls in vars(errors).items() if isinstance(cls, type) and issubclass(cls, errors.BookingError)
}
# Classes whose first positional argument is not the code.
NO_CODE_ARGUMENT = {"SeatsUnavailable", "RateLimited"}


def _status_of(cls: type[errors.BookingError]) -> int:
    return next((STATUS[base] for base in cls.__mro__ if base in STATUS), 500)


def _code_of(call: ast.Call, cls_name: str) -> str:
    for keyword in call.keywords:
        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    first = call.args[0] if call.args and cls_name not in NO_CODE_ARGUMENT else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return ERROR_CLASSES[cls_name].default_code


def given_codes() -> dict[str, set[int]]:
    """Every code chalicelib or the gateway can answer, with the statuses it comes with."""
    codes: dict[str, set[int]] = defaultdict(set)
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in ERROR_CLASSES:
                codes[_code_of(node, name)].add(_status_of(ERROR_CLASSES[name]))
    for status, code, _ in [*GATEWAY_RESPONSES.values(), *REQUEST_LIMITS.values()]:
        codes[code].add(status)
    codes["internal_error"].add(500)  # chalicelib.api.errors.internal_error_response
    codes["unsupported_media_type"].add(415)  # chalicelib.api.errors.unsupported_media_type_response
    return codes


def documented_table() -> dict[str, set[int]]:
    """The codes of the error table in docs/api.md, with their status column."""
    table: dict[str, set[int]] = defaultdict(set)
    for line in (ROOT / "docs" / "api.md").read_text().splitlines():
        row = re.match(r"\| (\d{3}) \| ([^|]+) \|", line)
        if row:
            for code in re.findall(r"`([a-z_]+)`", row.group(2)):
                table[code].add(int(row.group(1)))
    return table


def test_the_scan_finds_codes_of_every_kind():
    codes = given_codes()

    assert codes["seats_unavailable"] == {409}
    assert codes["rate_limited"] == {429}
    assert codes["unauthorized"] == {401}
    assert codes["movie_has_screenings"] == {409}
    assert codes["service_unavailable"] == {503}


def test_the_error_table_of_docs_api_md_lists_every_code_with_its_status():
    given = given_codes()
    table = documented_table()

    missing = sorted(code for code in given if code not in table)
    assert not missing, f"docs/api.md's error table lacks {missing}"
    for code, statuses in given.items():
        assert statuses <= table[code], (code, statuses, table[code])


def test_the_error_table_lists_no_code_that_nothing_gives():
    stale = sorted(set(documented_table()) - set(given_codes()))

    assert not stale, f"docs/api.md's error table names codes nothing gives: {stale}"


def test_every_error_code_of_the_document_is_one_the_code_gives_with_that_status():
    given = given_codes()
    for (method, path), operation in operations(app).items():
        for status, codes in operation.errors.items():
            for code in codes:
                assert status in given.get(code, set()), f"{method} {path} documents {status} {code}"
