"""``GET /api/openapi.json``: the REST API as OpenAPI 3.1, derived from the Chalice app itself.

Paths, methods, path parameters and who may call (the route's authorizer) come from ``app.routes``;
everything else from the `Operation` each route declares at `ApiBlueprint.route`: summary, request
body and query (pydantic request schemas), success answers (the response models its handler returns),
error codes, examples. The generator adds what follows from the route itself: 400 ``validation_error``
for parameters, 400/413/415 for a body, 401 for a token and 403 for a staff/admin role, 304 for a public
read, 503 ``service_busy`` (with Retry-After) for every operation answering JSON of ours (storage may throttle
any of them), and a ``default`` error.
A route declared without an `Operation` (a plain Chalice route) is still published (path, method,
security) and marked ``x-undocumented``; a test fails on it, so a new route cannot ship undocumented.
"""

from __future__ import annotations

import functools
import json
import re
import typing
from collections.abc import Mapping
from typing import Any

from chalice import Chalice, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib import __version__
from chalicelib.api.errors import ERROR_DETAILS, Error
from chalicelib.api.requests import ID_MAX_LENGTH, ID_PATTERN
from chalicelib.api.responses import ResponseModel
from chalicelib.api.routing import ApiBlueprint, Media, Operation, Success, operation_of
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)

REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearer"
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = typing.get_args(Role)
ROLE_MEANING = {
    "customer": "any signed-in user",
    "staff": "staff or admin",
    "admin": "admin only",
}
PUBLIC_READ = "A public read: answered with ETag and Cache-Control; If-None-Match with the ETag gives 304."
OPENAPI_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components"],
    "properties": {"openapi": {"const": "3.1.0"}},
}
"""This document's own shape, as far as the API promises it."""


def role_of(authorizer_name: str) -> str:
    """``admin_auth`` -> ``admin``: the role an authorizer lets through (and every role above it)."""
    role = authorizer_name.removesuffix("_auth")
    if role not in ROLES:
        raise ValueError(f"authorizer {authorizer_name!r} names no role of {ROLES}")
    return role


def operations(app: Chalice) -> dict[tuple[str, str], Operation]:
    """The declared `Operation` of every documented route of `app`, by (method, path)."""
    return {
        (method, path): operation
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if (operation := operation_of(entry.view_function)) is not None
    }


def openapi_document(app: Chalice) -> dict[str, Any]:
    """The whole REST API of `app`: every route, documented by the `Operation` it was declared with."""
    routes = [
        (path, method, entry)
        for path, methods in sorted(app.routes.items())
        for method, entry in sorted(methods.items(), key=lambda item: METHOD_ORDER.index(item[0]))
    ]
    documented = [op for _, _, entry in routes if (op := operation_of(entry.view_function)) is not None]
    schemas = _component_schemas(documented)
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for path, method, entry in routes:
        item = _operation(path, method, entry, operation_of(entry.view_function))
        item["operationId"] = _unique(entry.view_name, entry.view_function.__module__, operation_ids)
        paths.setdefault(path, {})[method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cinema booking API",
            "version": __version__,
            "description": (
                "Money is integer cents with a currency; times are ISO 8601 UTC; ids are opaque strings. "
                "Every 4xx/5xx body is the Error schema. The WebSocket API is described in docs/api.md."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The access_token of register/login/refresh. The role an operation needs is "
                    "named in its security requirement: "
                    + "; ".join(f"{role}: {meaning}" for role, meaning in ROLE_MEANING.items())
                    + ".",
                }
            },
        },
    }


def _component_schemas(operations: list[Operation]) -> dict[str, Any]:
    """Every model a documented operation names, with pydantic's ``$defs`` lifted into components."""
    models: list[tuple[type[BaseModel], typing.Literal["validation", "serialization"]]] = [(Error, "serialization")]
    models += [(details, "serialization") for details in ERROR_DETAILS.values()]
    for operation in operations:
        if operation.body is not None:
            models.append((operation.body, "validation"))
        models += [(answer, "serialization") for answer in operation.answers.values() if _is_model(answer)]
    refs, top = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    for (model, _), ref in refs.items():
        if ref != _ref(model):
            raise ValueError(f"{model.__qualname__} is published as {ref['$ref']}: give it a name no other has")
    return dict(sorted(top.get("$defs", {}).items()))


def _is_model(answer: Success) -> typing.TypeGuard[type[ResponseModel]]:
    return isinstance(answer, type) and issubclass(answer, ResponseModel)


def _ref(model: type) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _unique(name: str, module: str, taken: set[str]) -> str:
    candidate = name if name not in taken else f"{module.rsplit('.', 1)[-1]}.{name}"
    taken.add(candidate)
    return candidate


def _operation(path: str, method: str, entry: Any, operation: Operation | None) -> dict[str, Any]:
    role = role_of(entry.authorizer.name) if entry.authorizer is not None else None
    item: dict[str, Any] = {"tags": [entry.view_function.__module__.rsplit(".", 1)[-1]]}
    if operation is None:
        item.update(summary=f"{method} {path}", responses={"default": _error_response("Undocumented.", ())})
        item["x-undocumented"] = True
    else:
        item["summary"] = operation.summary
        public = PUBLIC_READ if operation.public_max_age is not None else ""
        description = " ".join(text for text in (operation.description, public) if text)
        if description:
            item["description"] = description
    parameters = [_path_parameter(name) for name in re.findall(r"{(\w+)}", path)]
    if operation is not None and operation.query is not None:
        parameters += _query_parameters(operation.query)
    if parameters:
        item["parameters"] = parameters
    if role is not None:
        item["security"] = [{SECURITY_SCHEME: [role]}]
        item["x-role"] = role
    if operation is not None:
        if operation.body is not None:
            item["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(operation.body)}}}
        item["responses"] = _responses(operation, role, bool(parameters))
    return item


def _path_parameter(name: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": ID_PATTERN, "maxLength": ID_MAX_LENGTH}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_parameters(query: type[BaseModel]) -> list[dict[str, Any]]:
    schema = query.model_json_schema(mode="validation", ref_template=REF)
    if "$defs" in schema:
        raise ValueError(f"{query.__name__}: a query schema has flat fields only")
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = {key: value for key, value in prop.items() if key != "title"}
        variants = [variant for variant in prop.pop("anyOf", []) if variant != {"type": "null"}]
        if len(variants) == 1:
            prop.update(variants[0])
        elif variants:
            prop["anyOf"] = variants
        if prop.get("default", ...) is None:
            del prop["default"]
        parameters.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return parameters


def _responses(operation: Operation, role: str | None, has_parameters: bool) -> dict[str, Any]:
    codes: dict[int, list[str]] = {}

    def add(status: int, *names: str) -> None:
        codes.setdefault(status, [])
        codes[status] += [name for name in names if name not in codes[status]]

    for status, declared in operation.errors.items():
        add(status, *declared)
    if operation.body is not None:
        add(400, "validation_error")
        add(413, "payload_too_large")
        add(415, "unsupported_media_type")
    elif has_parameters:
        add(400, "validation_error")
    if any(_is_model(answer) for answer in operation.answers.values()):
        add(503, "service_busy")
    if role is not None:
        add(401, "unauthorized")
        if role != "customer":
            add(403, "forbidden")
    successes = dict(operation.answers)
    if operation.public_max_age is not None:
        successes[304] = None
    responses: dict[str, Any] = {
        str(status): _success_response(status, answer) for status, answer in sorted(successes.items())
    }
    for status, names in sorted(codes.items()):
        responses[str(status)] = _error_response(f"Error codes: {', '.join(names)}.", tuple(names))
        if status == 429 or "service_busy" in names:
            responses[str(status)]["headers"] = {
                "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
            }
    for status, example in operation.examples.items():
        responses[str(status)]["content"]["application/json"]["example"] = example.wire()
    responses["default"] = _error_response("Any other answer: gateway throttling (429), or a 5xx.", ())
    return responses


def _success_response(status: int, answer: Success) -> dict[str, Any]:
    description = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 304: "Not modified"}
    response: dict[str, Any] = {"description": description.get(status, "Answer")}
    if isinstance(answer, Media):
        response["content"] = {media_type: {"schema": dict(answer.schema)} for media_type in answer.types}
    elif _is_model(answer):
        response["content"] = {"application/json": {"schema": _ref(answer)}}
    elif isinstance(answer, Mapping):
        response["content"] = {"application/json": {"schema": dict(answer)}}
    return response


def _error_response(description: str, codes: tuple[str, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = _ref(Error)
    if codes:
        only_these = {"properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}}
        detailed = [
            {
                "if": {"properties": {"error": {"properties": {"code": {"const": code}}}}},
                "then": {"properties": {"error": {"properties": {"details": _ref(ERROR_DETAILS[code])}}}},
            }
            for code in codes
            if code in ERROR_DETAILS
        ]
        schema = {"allOf": [_ref(Error), only_these, *detailed]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@functools.lru_cache(maxsize=4)
def _document_text(app: Chalice) -> str:
    return json.dumps(openapi_document(app), separators=(",", ":"))


@bp.route(
    "/api/openapi.json",
    methods=["GET"],
    summary="This document: the REST API as OpenAPI 3.1",
    answers={200: OPENAPI_DOCUMENT},
)
def openapi_json() -> Response:
    return Response(
        body=_document_text(bp.current_app),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )
