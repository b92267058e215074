"""Adapters at the edge: DynamoDB, SQS, WebSocket, payment provider. They translate AWS errors into domain errors."""
