"""The WebSocket fixtures of the realtime API tests, for the input tests on the WebSocket."""

from tests.api.realtime.conftest import clock, notifier, ws  # noqa: F401
