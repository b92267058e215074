"""The base of every JSON answer: a closed pydantic model that a handler builds from domain objects.

The same model renders the answer and is published in the OpenAPI document (`chalicelib.api.openapi`),
closed (``additionalProperties: false``): a field exists on the wire exactly when it exists on the model,
and the tests that validate live answers against the document fail as soon as the two disagree.
A model's docstring and its fields' descriptions are the document's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from chalicelib.domain import paging
from chalicelib.domain.clock import iso

Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A moment on the wire: ISO 8601 UTC with a Z, second precision (`chalicelib.domain.clock.iso`)."""


def _published_without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def left_out_when_none(description: str | None = None) -> Any:
    """A field that is sometimes left out of the answer, never sent as null: None leaves it out.

    Annotate it ``int | SkipJsonSchema[None]`` so that the document publishes it as optional, not nullable.
    """
    return Field(
        None,
        description=description,
        exclude_if=lambda value: value is None,
        json_schema_extra=_published_without_default,
    )


class ResponseModel(BaseModel):
    """Base of every JSON answer: unknown fields refused, frozen once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def wire(self) -> dict[str, Any]:
        """The answer as JSON data (what the client receives)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data


Item = TypeVar("Item", bound=ResponseModel)
Shown = TypeVar("Shown")


class Page(ResponseModel, Generic[Item]):
    """One page of a list, in the list's order."""

    items: list[Item]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last.")

    @classmethod
    def of(cls, page: paging.Page[Shown], item: Callable[[Shown], Item]) -> Self:
        return cls(items=[item(shown) for shown in page.items], next_cursor=page.next_cursor)
