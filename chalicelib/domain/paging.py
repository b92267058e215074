"""A page of a list: its items in the list's order and the opaque cursor of the next page (None on the last).

Every list the API gives out by pages (movies, theaters, screenings, payments, tickets) is one of these; the
cursor's shape is the adapter's (`chalicelib.adapters.dynamodb.paging`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from chalicelib.domain.errors import InvalidRequest

T = TypeVar("T")
PAGE_MAX = 100
"""The most items one page may hold."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    """Opaque; None on the last page."""


def check_limit(limit: int) -> int:
    """A page size the lists accept (1 to `PAGE_MAX`), or InvalidRequest ``validation_error``."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidRequest("validation_error", f"limit is 1 to {PAGE_MAX}.", {"fields": [{"field": "limit"}]})
    return limit
