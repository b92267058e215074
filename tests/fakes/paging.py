"""Pages of the in-memory lists: offsets in cursors that name their list, refused for any other list, as in storage."""

from __future__ import annotations

from typing import TypeVar

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.paging import Page

T = TypeVar("T")


def page_of(items: list[T], limit: int, cursor: str | None, list_name: str) -> Page[T]:
    """Items from the offset a cursor of `list_name` names; any other cursor is ``invalid_cursor``."""
    start = 0
    if cursor is not None:
        name, _, offset = cursor.rpartition(":")
        if name != list_name or not offset.isdigit():
            raise InvalidRequest("invalid_cursor", "The cursor is not one this list gave out; start again without it.")
        start = int(offset)
    end = start + limit
    return Page(items[start:end], f"{list_name}:{end}" if end < len(items) else None)
