"""`ApiBlueprint`: a Chalice blueprint whose routes translate domain errors through the one error table.

Chalice turns any exception escaping a view into its own 500 body before middleware sees it, so the
translation wraps each view as it is registered. Every view also logs with the request id.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.errors import error_response, internal_error_response
from chalicelib.domain.errors import BookingError
from chalicelib.logs import logger

JSON = {"Content-Type": "application/json"}


class ApiBlueprint(Blueprint):
    def route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def translated(*args: Any, **kw: Any) -> Any:
                request = self.current_request
                request_id = (request.context or {}).get("requestId") if request else None
                logger.append_keys(request_id=request_id, route=path, method=request.method if request else None)
                try:
                    return view(*args, **kw)
                except BookingError as exc:
                    logger.info("request refused", extra={"code": exc.code, "status_class": type(exc).__name__})
                    return error_response(exc)
                except Exception:
                    logger.exception("unhandled error")
                    return internal_error_response(request_id)

            register(translated)
            return view

        return decorator


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status, headers={**JSON, **(headers or {})})


def created(body: Any, headers: dict[str, str] | None = None) -> Response:
    return json_response(body, 201, headers)


def no_content() -> Response:
    return Response(body="", status_code=204)
