"""Pages of the in-memory lists, newest first, resumed after the last item shown as storage resumes after its key:
an item added between two page reads neither repeats an item nor hides one. A cursor names its list; any other
is refused (``invalid_cursor``), as in storage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from chalicelib.domain.clock import epoch_ms
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.paging import Page


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Identified)


def newest_first(
    items: list[T], time_of: Callable[[T], datetime], limit: int, cursor: str | None, list_name: str
) -> Page[T]:
    """`limit` of `items` by `time_of` (then id), newest first, after the item a cursor of `list_name` names."""
    ordered = sorted(items, key=lambda item: (epoch_ms(time_of(item)), item.id), reverse=True)
    if cursor is not None:
        name, _, after = cursor.partition("|")
        moment, _, last_id = after.partition("|")
        if name != list_name or not moment.isdigit() or not last_id:
            raise InvalidRequest("invalid_cursor", "The cursor is not one this list gave out; start again without it.")
        ordered = [item for item in ordered if (epoch_ms(time_of(item)), item.id) < (int(moment), last_id)]
    page = ordered[:limit]
    if len(ordered) <= limit:
        return Page(page, None)
    last = page[-1]
    return Page(page, f"{list_name}|{epoch_ms(time_of(last))}|{last.id}")
