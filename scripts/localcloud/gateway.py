"""An API Gateway emulator for REST: Chalice's LocalGateway plus what the deployed gateway really does.

Chalice's LocalGateway answers its own bodies (``{"message": "Unauthorized"}``) and lets an authorizer's
``Exception("Unauthorized")`` escape. API Gateway answers 401 for that exception, and every gateway answer
uses the gateway responses we deploy. The tests and the local REST front both use this class.
"""

from __future__ import annotations

from typing import Any

from chalice.local import ForbiddenError, LocalGateway, LocalGatewayException, NotAuthorizedError

from chalicelib.api.gateway_responses import GATEWAY_RESPONSES, gateway_body


def gateway_response(response_type: str, request_id: str = "") -> dict[str, Any]:
    status = GATEWAY_RESPONSES[response_type][0]
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


class ApiGatewayEmulator(LocalGateway):
    def handle_request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        try:
            return super().handle_request(method=method, path=path, headers=headers, body=body)
        except NotAuthorizedError:
            return gateway_response("UNAUTHORIZED")
        except ForbiddenError as exc:
            if b"Missing Authentication Token" in exc.body or b"Authorization header requires" in exc.body:
                return gateway_response("MISSING_AUTHENTICATION_TOKEN")
            return gateway_response("ACCESS_DENIED")
        except LocalGatewayException:
            return gateway_response("DEFAULT_5XX")
        except Exception as exc:  # an authorizer raising exactly "Unauthorized" is API Gateway's 401
            if str(exc) == "Unauthorized":
                return gateway_response("UNAUTHORIZED")
            raise
