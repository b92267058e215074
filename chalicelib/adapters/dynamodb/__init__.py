"""DynamoDB adapters. PynamoDB models are the single schema source for every table."""
