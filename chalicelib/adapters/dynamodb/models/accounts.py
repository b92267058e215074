"""Tables of the accounts room."""

MODELS: list = []
