"""Whether the storage and queues this stage depends on answer."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.settings import Settings


class AwsHealth:
    def __init__(self, settings: Settings, client_factory):
        self._settings = settings
        self._client_factory = client_factory

    def _client(self, service: str):
        return self._client_factory(service, self._settings.region, self._settings.aws_endpoint_url)

    def dynamodb(self) -> bool:
        from chalicelib.adapters.dynamodb.tables import all_models

        try:
            self._client("dynamodb").describe_table(TableName=all_models()[0].Meta.table_name)
            return True
        except (BotoCoreError, ClientError):
            return False

    def sqs(self) -> bool:
        from chalicelib.adapters.queues import ALL_QUEUES

        try:
            self._client("sqs").get_queue_url(QueueName=ALL_QUEUES[0].name(self._settings.queue_prefix))
            return True
        except (BotoCoreError, ClientError):
            return False
