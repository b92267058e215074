"""Use cases, named as verbs, and the ports (typing.Protocol) they need."""
