"""Adapters at the edge: DynamoDB, SQS, WebSocket, password hashing. They translate AWS errors into domain errors."""
