"""The local cloud: moto (serialized), the REST front, the WebSocket gateway and the event pump, in one process tree."""
