"""`ApiBlueprint`: REST routes that declare what they take and answer, with domain errors in the one error body.

A route is declared with its documentation, which the OpenAPI document is generated from
(`chalicelib.api.openapi`) and which the route's wrapper enforces::

    @bp.route("/api/movies/{movie_id}", methods=["PUT"], authorizer=auth.admin_auth,
              summary="Replace a movie", body=MovieBody, answers={200: Movie},
              errors={404: ("movie_not_found",), 409: ("movie_has_screenings",)})
    def replace_movie(movie_id: str, body: MovieBody) -> Movie:
        return Movie.of(services().catalog.replace_movie(principal(), movie_id, body.details()))

Before the view runs, every path parameter is checked as an id (``ID_PATTERN``; a 400 names it) and the
``body``/``query`` schemas are parsed into the view's ``body=``/``query=`` arguments. The view returns a
`ResponseModel`, answered with the status its class is declared under in ``answers``; a `Reply` when the
answer has headers of its own; or a Chalice `Response` of a declared status whose answer is not a model
(no body, HTML...). Anything else is a bug and answers 500: a handler cannot answer what its route does
not document. ``public_max_age`` makes a public read: an ETag from the body, ``Cache-Control: public``,
and 304 without a body for an ``If-None-Match`` that names the ETag. Every view logs with the request id.

Chalice turns any exception escaping a view into its own 500 body before middleware sees it, so the
translation wraps each view as it is registered. Chalice also refuses a request whose Content-Type is not
among the route's ``content_types`` before the view runs, with its own body (``{"Code":
"UnsupportedMediaType"}``); API Gateway's proxy integration never looks at the type. So Chalice lets every
type through, and the wrapper answers a body of a type the route does not take (``content_types``, JSON by
default) with a 415 in our error body.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from chalice import Blueprint, Response

from chalicelib.api.errors import (
    JSON,
    Error,
    error_response,
    internal_error_response,
    unsupported_media_type_response,
)
from chalicelib.api.requests import QuerySchema, RequestSchema, parse_body, parse_query, path_id
from chalicelib.api.responses import ResponseModel
from chalicelib.domain.errors import BookingError
from chalicelib.logs import logger

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Media:
    """A success answer that is not JSON (a page, an image...): its media types, all with one schema."""

    types: tuple[str, ...]
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string", "format": "binary"})


Success = type[ResponseModel] | Media | Mapping[str, Any] | None
"""A success answer: a response model, other media, a JSON schema (a document not ours to close), or None
for no body (204)."""


@dataclass(frozen=True)
class Operation:
    """What a route takes and answers, as declared at the route (see the module docstring)."""

    summary: str
    answers: Mapping[int, Success]
    errors: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    body: type[RequestSchema] | None = None
    query: type[QuerySchema] | None = None
    description: str = ""
    examples: Mapping[int, ResponseModel] = field(default_factory=dict)
    public_max_age: int | None = None

    def __post_init__(self) -> None:
        for status, example in self.examples.items():
            expected = Error if status in self.errors else self.answers.get(status)
            if type(example) is not expected:
                raise TypeError(f"the example of {status} is a {type(example).__name__}, not the declared {expected}")

    def status_of(self, model: ResponseModel, status: int | None) -> int:
        """The declared status that answers this model; a handler's bug when it is not exactly one."""
        declared = [code for code, answer in self.answers.items() if answer is type(model)]
        if status is not None and status in declared:
            return status
        if status is None and len(declared) == 1:
            return declared[0]
        raise TypeError(f"the route answers {type(model).__name__} (status {status}), declared {self.answers}")


@dataclass(frozen=True)
class Reply:
    """A model answered with headers of its own (Location, Cache-Control...); `status` when the model is
    declared under several."""

    body: ResponseModel
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int | None = None


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The documentation an `ApiBlueprint` route was declared with; None for any other view."""
    return getattr(view, "operation", None)


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
    def route(  # type: ignore[override]
        self,
        path: str,
        *,
        summary: str,
        answers: Mapping[int, Success],
        errors: Mapping[int, tuple[str, ...]] | None = None,
        body: type[RequestSchema] | None = None,
        query: type[QuerySchema] | None = None,
        description: str = "",
        examples: Mapping[int, ResponseModel] | None = None,
        public_max_age: int | None = None,
        **kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        operation = Operation(summary, answers, errors or {}, body, query, description, examples or {}, public_max_age)
        accepted = tuple(t.lower() for t in kwargs.pop("content_types", ["application/json"]))
        register = super().route(path, content_types=["*/*"], **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def translated(**path_parameters: str) -> Response:
                request = self.current_request
                request_id = (request.context or {}).get("requestId") if request else None
                logger.append_keys(request_id=request_id, route=path, method=request.method if request else None)
                refused = _refused_media_type(request, accepted)
                if refused is not None:
                    logger.info("request refused", extra={"code": "unsupported_media_type", "content_type": refused})
                    return unsupported_media_type_response(refused, accepted)
                try:
                    for name, value in path_parameters.items():
                        path_id(value, name)
                    parsed: dict[str, Any] = {}
                    if operation.body is not None:
                        raw_body = cast(bytes, request.raw_body)  # always bytes; typed str | bytes
                        parsed["body"] = parse_body(operation.body, raw_body)
                    if operation.query is not None:
                        parsed["query"] = parse_query(operation.query, request.query_params)
                    return _render(operation, view(**path_parameters, **parsed), request)
                except BookingError as exc:
                    logger.info("request refused", extra={"code": exc.code, "status_class": type(exc).__name__})
                    return error_response(exc)
                except Exception:
                    logger.exception("unhandled error")
                    return internal_error_response(request_id)

            translated.operation = operation  # type: ignore[attr-defined]
            register(translated)
            return view

        return decorator


def _render(operation: Operation, result: Any, request: Any) -> Response:
    if isinstance(result, ResponseModel):
        result = Reply(result)
    if isinstance(result, Reply):
        status = operation.status_of(result.body, result.status)
        if operation.public_max_age is not None and status == 200:
            return _public_read(result, operation.public_max_age, request)
        body = json.dumps(result.body.wire())
        return Response(body=body, status_code=status, headers={**JSON, **result.headers})
    if isinstance(result, Response) and result.status_code in operation.answers:
        answer = operation.answers[result.status_code]
        if not (isinstance(answer, type) and issubclass(answer, ResponseModel)):
            return result
    raise TypeError(f"the view answered {result!r}; its route declares {operation.answers}")


def _public_read(reply: Reply, max_age: int, request: Any) -> Response:
    """ETag from the body's hash; 304 without a body when the client already has it."""
    text = json.dumps(reply.body.wire(), separators=(",", ":"))
    etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
    headers: dict[str, str | list[str]] = {**reply.headers, "ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    asked = (request.headers or {}).get("if-none-match") or ""
    known = {tag.strip().removeprefix("W/") for tag in asked.split(",")}
    if etag in known or "*" in known:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=text, status_code=200, headers={**JSON, **headers})


def no_content() -> Response:
    return Response(body="", status_code=204)
