"""An API Gateway emulator for REST: Chalice's LocalGateway plus what the deployed gateway really does.

Chalice's LocalGateway answers its own bodies (``{"message": "Unauthorized"}``) and lets an authorizer's
``Exception("Unauthorized")`` escape. API Gateway answers 401 for that exception, and every gateway answer
uses the gateway responses we deploy. The tests and the local REST front both use this class.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any
from urllib.parse import unquote

from chalice.local import ForbiddenError, LocalGateway, LocalGatewayException, NotAuthorizedError

from chalicelib.api.gateway_responses import gateway_answer, gateway_body


def gateway_response(response_type: str, request_id: str = "") -> dict[str, Any]:
    status = gateway_answer(response_type)[0]
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "application/json",
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": response_type,
        },
        "multiValueHeaders": {},
        "body": gateway_body(response_type),
    }


LOCAL_API_ID = "localapi01"
STAGE = "api"


class ApiGatewayEmulator(LocalGateway):
    """Also gives every request what API Gateway's proxy event carries and chalice local leaves out: a request
    id (``requestContext.requestId``, echoed as ``x-amzn-RequestId``), the stage, the API id, the time, and
    URL-decoded path parameters."""

    _current = threading.local()

    def handle_request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        self._current.request_id = request_id
        response = self._handle(method, path, headers, body, request_id)
        response.setdefault("headers", {}).setdefault("x-amzn-RequestId", request_id)
        return response

    def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, request_id: str
    ) -> dict[str, Any]:
        try:
            return super().handle_request(method=method, path=path, headers=headers, body=body)
        except NotAuthorizedError:
            return gateway_response("UNAUTHORIZED", request_id)
        except ForbiddenError as exc:
            if b"Missing Authentication Token" in exc.body or b"Authorization header requires" in exc.body:
                return gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id)
            return gateway_response("ACCESS_DENIED", request_id)
        except LocalGatewayException:
            return gateway_response("DEFAULT_5XX", request_id)
        except Exception as exc:  # an authorizer raising exactly "Unauthorized" is API Gateway's 401
            if str(exc) == "Unauthorized":
                return gateway_response("UNAUTHORIZED", request_id)
            raise

    def _generate_lambda_event(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, Any]:
        event = super()._generate_lambda_event(method, path, headers, body)
        if event.get("pathParameters"):  # API Gateway URL-decodes path parameters; chalice local does not
            event["pathParameters"] = {name: unquote(value) for name, value in event["pathParameters"].items()}
        now = time.time()
        event["requestContext"].update(
            requestId=getattr(self._current, "request_id", None) or str(uuid.uuid4()),
            stage=STAGE,
            apiId=LOCAL_API_ID,
            domainName=event["headers"].get("host", "localhost"),
            requestTimeEpoch=int(now * 1000),
            protocol="HTTP/1.1",
        )
        return event
