"""Pure domain: no boto3, no chalice, no os. Time and ids are injected."""
