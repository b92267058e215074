"""Cinema booking API: the code packaged into the Lambda functions."""

__version__ = "0.1.0"
