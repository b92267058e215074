"""The registry of every table: the single definition that tests, the local cloud and CloudFormation derive from."""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.settings import Settings


def all_models() -> list[type[Model]]:
    """Every table of the product. Add a model here and it exists everywhere (tests, local cloud, template)."""
    from chalicelib.adapters.dynamodb import models

    return list(models.ALL)


_BASE_NAMES: dict[type[Model], str] = {}


def base_name(model: type[Model]) -> str:
    return _BASE_NAMES.get(model, model.Meta.table_name)


def configure(settings: Settings) -> None:
    """Point every model at this stage's table names and endpoint (moto, LocalStack or AWS).

    PynamoDB caches a connection (a botocore client, ~0.3 s to build) per model: it is kept unless the
    table name, region or endpoint changed.
    """
    for model in all_models():
        _BASE_NAMES.setdefault(model, model.Meta.table_name)
        target = (settings.table_prefix + _BASE_NAMES[model], settings.region, settings.aws_endpoint_url)
        if (model.Meta.table_name, getattr(model.Meta, "region", None), getattr(model.Meta, "host", None)) == target:
            continue
        model.Meta.table_name, model.Meta.region, model.Meta.host = target
        model.Meta.max_retry_attempts = 3
        model.Meta.connect_timeout_seconds = 2
        model.Meta.read_timeout_seconds = 5
        model._connection = None  # rebuilt lazily with the new settings


def create_all(settings: Settings) -> list[str]:
    """Create every table that does not exist yet (tests, local cloud, LocalStack). Returns the names created."""
    configure(settings)
    created = []
    for model in all_models():
        if not model.exists():
            model.create_table(wait=True)  # PynamoDB also enables TTL when the model has a TTLAttribute
            created.append(model.Meta.table_name)
    return created
