"""Cursors of every list given out by pages, and the newest-first page of a user's items.

A cursor is the base64url JSON of the last item's keys: it names its list's key names, so a cursor of another
list is refused (``invalid_cursor``) before it reaches DynamoDB, and a list that checks more (the user, the
filters) says so with `invalid_cursor` too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex

from chalicelib.domain.errors import InvalidRequest

MAX_CURSOR_CHARS = 1024


def invalid_cursor(why: str) -> InvalidRequest:
    return InvalidRequest(
        "invalid_cursor",
        "The cursor is not one this list gave out for these filters; start again without it.",
        {"fields": [{"field": "cursor", "message": why}]},
    )


def encode_cursor(values: dict[str, str]) -> str:
    raw = json.dumps(values, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, key_names: Sequence[str]) -> dict[str, str] | None:
    """The key values in a cursor, or InvalidRequest ``invalid_cursor`` for anything not shaped like ours."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_CHARS:
        raise invalid_cursor("too long")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid_cursor("not a cursor") from exc
    if not isinstance(values, dict) or set(values) != set(key_names):
        raise invalid_cursor("not a cursor of this list")
    if not all(isinstance(value, str) and 0 < len(value) <= 300 for value in values.values()):
        raise invalid_cursor("not a cursor of this list")
    return values


def page_of(
    results: Iterable[Any], limit: int, keys_of: Callable[[Any], dict[str, str]]
) -> tuple[list[Any], str | None]:
    """Up to `limit` items, and the cursor of the last (its `keys_of`) only when one more item exists, so the last
    page has none. Query with ``page_size=limit + 1``: one read answers the page and whether another follows."""
    taken: list[Any] = []
    for item in results:
        if len(taken) == limit:
            return taken, encode_cursor(keys_of(taken[-1]))
        taken.append(item)
    return taken, None


def newest_of_user(
    index: GlobalSecondaryIndex, time_key: str, user_id: str, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """A page of a user's items from an index on (``user_id``, `time_key`) of a table keyed by ``id``, newest first;
    the cursor only when one more item exists (so the last page has none). A cursor of another user is refused."""
    start = decode_cursor(cursor, ("id", "user_id", time_key))
    if start is not None and (start["user_id"] != user_id or not start[time_key].isdigit()):
        raise invalid_cursor("not a cursor of this list")
    last_key = (
        None
        if start is None
        else {"id": {"S": start["id"]}, "user_id": {"S": user_id}, time_key: {"N": start[time_key]}}
    )
    query = index.query(user_id, scan_index_forward=False, page_size=limit + 1, last_evaluated_key=last_key)
    return page_of(
        query, limit, lambda last: {"id": last.id, "user_id": user_id, time_key: str(int(getattr(last, time_key)))}
    )
