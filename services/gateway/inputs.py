"""Reading a request before any service is called: the caller, then path, query and body against
the route's models, then `authorize`. Pure: no Nameko, no werkzeug objects, easy to test.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from services.gateway.auth import AccountFinder, Caller, Resource, authenticate, require, require_role
from services.gateway.errors import InvalidRequest, MalformedBody
from services.gateway.routes import Route


@dataclass(frozen=True)
class Inputs:
    caller: Caller | None
    path: dict[str, Any]
    query: BaseModel | None
    body: BaseModel | None

    def arguments(self, route: Route) -> dict[str, Any]:
        """The keyword arguments of the route's service method (besides `request`)."""
        kwargs = dict(self.path)
        if route.needs_token:
            kwargs["caller"] = self.caller
        if route.query is not None:
            kwargs["query"] = self.query
        if route.bodies:
            kwargs["body"] = self.body
        return kwargs


def read_inputs(route: Route, *, authorization: str | None, path_values: Mapping[str, str],
                query_args: Mapping[str, str], body: bytes, find_account: AccountFinder | None = None) -> Inputs:
    """Raises Unauthorized (401), Forbidden (403) for a role that may not call the route at all,
    MalformedBody (400), InvalidRequest (422), or Forbidden (403) for a resource outside the caller's scope."""
    caller = authenticate(authorization, find_account) if route.needs_token else None
    if caller is not None:
        require_role(caller, route.action)
    path = _validate(route.path_params, dict(path_values), "path") if route.path_params else None
    path_fields = dict(path) if path is not None else {}
    # An empty query parameter (`?status=`) means the same as leaving it out.
    query = (_validate(route.query, {k: v for k, v in query_args.items() if v != ""}, "query")
             if route.query else None)
    body_model = route.body_model(path_fields)
    if body_model is None:
        parsed_body = None
    elif route.body_optional and not body.strip():
        parsed_body = _validate(body_model, {}, "body")
    else:
        parsed_body = _validate(body_model, decode_json(body), "body")
    if caller is not None:
        require(caller, route.action, resource_of(path_fields, parsed_body, query))
    return Inputs(caller, path_fields, query, parsed_body)


def resource_of(path: Mapping[str, Any], body: BaseModel | None, query: BaseModel | None = None) -> Resource:
    """The scope the gateway can see: the enterprise in the path, a body or the query, the department,
    level or county in a body, the `source` of an event."""
    return Resource(uscc=path.get("uscc") or getattr(body, "uscc", None) or getattr(query, "uscc", None),
                    department=getattr(body, "department", None), county=getattr(body, "county", None),
                    level=getattr(body, "level", None), source=getattr(body, "source", None))


def decode_json(body: bytes) -> Any:
    """Strict JSON (no NaN or Infinity), UTF-8; MalformedBody otherwise."""
    if not body or not body.strip():
        raise MalformedBody("the body is empty; send a JSON object")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedBody(f"the body is not UTF-8: {error.reason} at byte {error.start}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise MalformedBody(f"the body is not valid JSON: {error.msg}",
                            {"line": error.lineno, "column": error.colno}) from None
    except ValueError as error:
        raise MalformedBody(f"the body is not valid JSON: {error}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _validate(model: type[BaseModel], data: Any, location: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRequest.from_validation(error, location) from None
