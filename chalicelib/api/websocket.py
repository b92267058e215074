"""The WebSocket API: ``$connect`` (optional ``?token=``), ``$disconnect``, and ``$default`` for every message.

Chalice deploys exactly these three routes with the route selection expression ``$request.body.action``,
so every client message reaches ``$default`` and is dispatched on its ``action`` here:
``join_screening`` / ``leave_screening`` with a ``screening_id``. A bad message is answered on the
connection as ``{"type": "error", "code", "message"}`` and the connection stays open.

Chalice hands a blueprint's WebSocket handlers the raw Lambda event (``event, context``) in AWS, and the
local gateway does the same, so these handlers read the API Gateway event dict.
"""

from __future__ import annotations

from typing import Any, Literal

from chalice import Blueprint
from pydantic import ValidationError

from chalicelib.api.requests import Id, RequestSchema, read_json, validation_error
from chalicelib.bootstrap import services
from chalicelib.domain.errors import BookingError, InvalidRequest, ServiceBusy, Unauthorized
from chalicelib.logs import logger

bp = Blueprint(__name__)

OK = {"statusCode": 200}
ACTIONS = ("join_screening", "leave_screening")


class ScreeningMessage(RequestSchema):
    action: Literal["join_screening", "leave_screening"]
    screening_id: Id


def parse_message(body: str | None) -> ScreeningMessage:
    """A client message, or `InvalidRequest`: ``invalid_json``, ``unknown_action`` or ``validation_error``."""
    try:
        data = read_json((body or "").encode("utf-8"))
    except InvalidRequest as exc:
        raise InvalidRequest("invalid_json", "Messages are JSON objects with an action.") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("invalid_json", "Messages are JSON objects with an action.")
    if data.get("action") not in ACTIONS:
        raise InvalidRequest("unknown_action", f"Unknown action; use one of: {', '.join(ACTIONS)}.")
    try:
        return ScreeningMessage.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        raise validation_error(problems) from exc


def _context(event: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    context = raw["requestContext"]
    logger.remove_keys(["route", "method"])  # left by a REST request served earlier by this process
    logger.append_keys(connection_id=context.get("connectionId"), request_id=context.get("requestId"))
    services().notifier.use_endpoint_if_unset(f"https://{context['domainName']}/{context['stage']}")
    return raw, context


@bp.on_ws_connect()
def ws_connect(event: Any, context: Any = None) -> dict[str, Any]:
    raw, request = _context(event)
    token = (raw.get("queryStringParameters") or {}).get("token")
    try:
        services().realtime.connect(request["connectionId"], token)
    except Unauthorized:
        logger.info("websocket refused: invalid token")
        return {"statusCode": 401}
    except ServiceBusy:
        logger.warning("websocket refused: storage busy")
        return {"statusCode": 503}
    return OK


@bp.on_ws_disconnect()
def ws_disconnect(event: Any, context: Any = None) -> dict[str, Any]:
    _, request = _context(event)
    services().realtime.disconnect(request["connectionId"])
    return OK


@bp.on_ws_message()
def ws_message(event: Any, context: Any = None) -> dict[str, Any]:
    raw, request = _context(event)
    connection_id = request["connectionId"]
    realtime = services().realtime
    try:
        message = parse_message(raw.get("body"))
        if message.action == "join_screening":
            realtime.join(connection_id, message.screening_id)
        else:
            realtime.leave(connection_id, message.screening_id)
    except BookingError as exc:
        realtime.reject(connection_id, exc)
        return {"statusCode": 400}
    except Exception:
        logger.exception("websocket message failed")
        realtime.reject(connection_id, BookingError("internal_error", "Something went wrong on our side."))
        return {"statusCode": 500}
    return OK
