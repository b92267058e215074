"""`ApiBlueprint`: a Chalice blueprint whose routes translate domain errors through the one error table.

Chalice turns any exception escaping a view into its own 500 body before middleware sees it, so the
translation wraps each view as it is registered. Every view also logs with the request id.

Chalice also refuses a request whose Content-Type is not among the route's ``content_types`` before the
view runs, with its own body (``{"Code": "UnsupportedMediaType"}``); API Gateway's proxy integration never
looks at the type. So Chalice lets every type through, and the wrapper answers a body of a type the route
does not take (``content_types``, JSON by default) with a 415 in our error body.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.errors import error_response, internal_error_response, unsupported_media_type_response
from chalicelib.domain.errors import BookingError
from chalicelib.logs import logger

JSON = {"Content-Type": "application/json"}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def accepts(content_type: str, accepted: tuple[str, ...]) -> bool:
    """Whether a request's Content-Type is one the route takes; JSON includes ``+json`` types and any parameters."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    is_json = kind == "application" and (subtype == "json" or subtype.endswith("+json"))
    return "*/*" in accepted or media_type in accepted or (is_json and "application/json" in accepted)


def _refused_media_type(request: Any, accepted: tuple[str, ...]) -> str | None:
    """The Content-Type of a body the route does not take; None when there is no body or no type (JSON assumed)."""
    if request is None or request.method not in BODY_METHODS or not request.raw_body:
        return None
    content_type = (request.headers or {}).get("content-type")
    return content_type if content_type and not accepts(content_type, accepted) else None


class ApiBlueprint(Blueprint):
    def route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        accepted = tuple(t.lower() for t in kwargs.pop("content_types", ["application/json"]))
        register = super().route(path, content_types=["*/*"], **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def translated(*args: Any, **kw: Any) -> Any:
                request = self.current_request
                request_id = (request.context or {}).get("requestId") if request else None
                logger.append_keys(request_id=request_id, route=path, method=request.method if request else None)
                refused = _refused_media_type(request, accepted)
                if refused is not None:
                    logger.info("request refused", extra={"code": "unsupported_media_type", "content_type": refused})
                    return unsupported_media_type_response(refused, accepted)
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
