"""Tables of the realtime room."""

MODELS: list = []
