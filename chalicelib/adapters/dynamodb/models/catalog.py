"""Tables of the catalog room."""

MODELS: list = []
