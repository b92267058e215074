"""Projections of top-level attributes in moto without converting the whole item twice (local cloud only, moto pinned).

moto 5.2.5's `Item.project` turns the whole item into plain Python values (boto3's deserializer), picks
the projected paths, then serializes them back into a new item. A seat-map Query (300 items, 6
attributes) spent most of its time there: 11% of the moto server's CPU in the 25-worker contention
benchmark (py-spy, holding the GIL), and every keys-only or INCLUDE index projects each item too.
When every projected path is one top-level attribute name and each such attribute is a string, a
boolean, a null or an integer in canonical form (what the round trip gives back unchanged), the new
item is built from the stored values directly; anything else (nested paths, list indexes, sets, maps,
binaries, other numbers) goes through moto's own code. `tests/contract/localcloud/test_moto_projection.py`
compares both, attribute by attribute.
"""

from __future__ import annotations

import re

from moto.dynamodb.models.dynamo_type import Item

from scripts.localcloud.moto_patch import MotoPatch

_ORIGINAL = Item.project
_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def _unchanged_by_round_trip(value) -> bool:
    if value.type in ("S", "BOOL", "NULL"):
        return True
    return value.type == "N" and _CANONICAL_INTEGER.fullmatch(value.value) is not None


def project(self: Item, projection_expressions: list[list[str]]) -> Item:
    if not all(len(path) == 1 and "[" not in path[0] for path in projection_expressions):
        return _ORIGINAL(self, projection_expressions)
    attrs = {}
    for (name,) in projection_expressions:
        value = self.attrs.get(name)
        if value is None:
            continue  # not in the item: not in the projection either
        if not _unchanged_by_round_trip(value):
            return _ORIGINAL(self, projection_expressions)
        attrs[name] = {value.type: value.value}
    return Item(hash_key=self.hash_key, range_key=self.range_key, attrs=attrs)


PATCH = MotoPatch((Item, "project", project))
install, uninstall, installed, direct_projection = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
