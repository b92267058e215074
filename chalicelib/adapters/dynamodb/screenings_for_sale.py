"""Where a hold learns a screening's layout and start: the catalog's screening and theater items (two reads, cached)."""

from __future__ import annotations

from chalicelib.adapters.dynamodb.catalog import stored_layout
from chalicelib.adapters.dynamodb.models.catalog import ScreeningItem, TheaterItem
from chalicelib.domain.clock import parse_iso
from chalicelib.services.booking_ports import ScreeningForSale


class CatalogScreenings:
    def screening_for_sale(self, screening_id: str) -> ScreeningForSale | None:
        try:
            screening = ScreeningItem.get(screening_id)
            theater = TheaterItem.get(screening.theater_id)
        except (ScreeningItem.DoesNotExist, TheaterItem.DoesNotExist):
            return None
        return ScreeningForSale(screening_id, stored_layout(theater.layout), parse_iso(screening.starts_at))
