"""The base of every PynamoDB model: the table's short name is fixed here, its full name comes from settings."""

from __future__ import annotations

from pynamodb.models import Model


class CinemaModel(Model):
    """Subclasses set ``Meta.table_name`` to a short name (``"seats"``); `tables.configure` prefixes it per stage.

    TTL comes from a `TTLAttribute` (garbage collection only, never correctness), streams from
    ``Meta.stream_view_type``: the CloudFormation template is derived from the models, never written by hand.
    """

    class Meta:
        abstract = True
        table_name = "abstract"
        billing_mode = "PAY_PER_REQUEST"
