"""The OpenAPI 3.1 document, built from the route table and the pydantic models it names."""
from __future__ import annotations

from functools import lru_cache
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.gateway import schemas
from services.gateway.routes import ROUTE_LIST, Route
from services.gateway.sessions import COOKIE

REF = "#/components/schemas/{model}"
ERROR_SCHEMA = "ErrorResponse"
SECURITY_SCHEME = "bearer"
SESSION_SCHEME = "session"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return build(ROUTE_LIST)


def build(routes: tuple[Route, ...]) -> dict[str, Any]:
    refs, components = _components(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Huiqi gateway (惠企政策平台)",
            "version": "1",
            "description": "Every /api/v1 call but this document needs `Authorization: Bearer <token>`. "
                           "Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`; each answer "
                           "carries `X-Request-Id` (sent by the caller or made up), which the logs of "
                           "every service share.",
        },
        "tags": [{"name": name} for name in dict.fromkeys(route.group for route in routes)],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer"},
                                SESSION_SCHEME: {"type": "apiKey", "in": "cookie", "name": COOKIE,
                                                 "description": "the session cookie of POST /api/v1/sessions; "
                                                                "unsafe methods also need X-CSRF-Token"}},
        },
    }


def _components(routes) -> tuple[dict, dict]:
    """Every model a route names, as components; returns each (model, mode)'s $ref too."""
    wanted: list[tuple[type[BaseModel], str]] = [(schemas.ErrorResponse, "serialization")]
    for route in routes:
        wanted += [(model, "validation") for model in (route.path_params, route.query, *route.bodies) if model]
        if route.answer:
            wanted.append((route.answer, "serialization"))
    refs, top = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    return refs, top.get("$defs", {})


def _operation(route: Route, refs, components) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "tags": [route.group],
        "security": [{SECURITY_SCHEME: []}, {SESSION_SCHEME: []}] if route.needs_token else [],
        "parameters": [*_parameters(route.path_params, "path", refs, components),
                       *_parameters(route.query, "query", refs, components),
                       {"name": "X-Request-Id", "in": "header", "required": False,
                        "description": "correlation id; one is made up when absent",
                        "schema": {"type": "string", "maxLength": 128}}],
        "responses": _responses(route, refs),
    }
    if route.description:
        operation["description"] = route.description
    if route.upload:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    if route.bodies:
        body_refs = [refs[(model, "validation")] for model in route.bodies]
        schema = body_refs[0] if len(body_refs) == 1 else {"oneOf": body_refs}
        operation["requestBody"] = {"required": not route.body_optional,
                                    "content": {"application/json": {"schema": schema}}}
    return operation


def _parameters(model, location: str, refs, components) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = _resolve(refs[(model, "validation")], components)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = _plain(prop)
        description = prop.pop("description", None)
        parameter = {"name": name, "in": location, "required": location == "path" or name in required,
                     "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _responses(route: Route, refs) -> dict[str, Any]:
    success: dict[str, Any] = {"description": HTTPStatus(route.status).phrase}
    if route.answer is not None:
        schema = refs[(route.answer, "serialization")]
        if route.answer_is_list:
            schema = {"type": "array", "items": schema}
        success["content"] = {"application/json": {"schema": schema}}
    elif route.name == "openapi":
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    for media_type in route.media:
        binary = not media_type.startswith("text/") and not media_type.endswith("+xml")
        success.setdefault("content", {})[media_type] = {
            "schema": {"type": "string", **({"format": "binary"} if binary else {})}}
    headers = {"X-Request-Id": {"description": "the correlation id", "schema": {"type": "string"}}}
    for name, text in route.answer_headers.items():
        headers[name] = {"description": text, "schema": {"type": "string"}}
    success["headers"] = headers
    responses = {str(status): success for status in (route.status, *route.also)}
    error = {"application/json": {"schema": refs[(schemas.ErrorResponse, "serialization")]}}
    for status in route.error_statuses():
        content = success["content"] if status in route.answer_on_error else error
        responses[str(status)] = {"description": HTTPStatus(status).phrase, "content": content}
    return responses


def _plain(prop: dict) -> dict:
    """A parameter's schema without pydantic's title, and without `null` (absent is how a query
    parameter says "none")."""
    prop = {key: value for key, value in prop.items() if key != "title"}
    branches = [branch for branch in prop.get("anyOf", ()) if branch != {"type": "null"}]
    if "anyOf" in prop and len(branches) == 1:
        del prop["anyOf"]
        prop = {**branches[0], **prop}
        if prop.get("default", "") is None:
            del prop["default"]
    return prop


def _resolve(ref: dict, components: dict) -> dict:
    if "$ref" not in ref:
        return ref
    return components[ref["$ref"].rsplit("/", 1)[-1]]
