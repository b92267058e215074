"""Whether the storage and queues this stage depends on answer."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.settings import Settings


class AwsHealth:
    def __init__(self, settings: Settings):
        self._settings = settings

    def _client(self, service: str):
        import boto3

        return boto3.client(service, region_name=self._settings.region, endpoint_url=self._settings.aws_endpoint_url)

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
