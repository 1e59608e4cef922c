"""Every JSON answer an end-to-end test gets from the gateway is checked against its route's answer
model (services/gateway/routes.py, the models the OpenAPI document is written from), so the
documentation cannot drift from what the services answer.

`check` is a `requests` response hook: the harness's HTTP sessions call it on every answer. An answer
fails when its status is not one its route documents, or when its body does not validate (strictly:
no string for a number, no number for a string) against the model. Fields a model does not name are
allowed, as the models say (the contract may grow).
"""
from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from services.gateway.routes import ROUTE_LIST, ROUTES, Route
from services.gateway.schemas import ErrorResponse

_URLS = Map([Rule(route.rule, methods=[route.method], endpoint=route.name) for route in ROUTE_LIST]).bind("gateway")


class UndocumentedAnswer(Exception):
    """An answer its route's documentation does not describe. Not an AssertionError: a test polling
    for an answer must fail at once, not ask again."""


def route_of(method: str, path: str) -> Route | None:
    try:
        name, _ = _URLS.match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return ROUTES[name]


def check(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return
    request = response.request
    path = urlsplit(request.url).path
    route = route_of(request.method, path)
    status = response.status_code
    where = f"{request.method} {path} ({route.name if route else 'no route'}) answered {status}"
    if route is None:
        adapter = _adapter(ErrorResponse, False)   # an unknown path or method: 404 or 405
    elif status in (route.status, *route.also, *route.answer_on_error):
        if route.answer is None:
            return   # the OpenAPI document itself
        adapter = _adapter(route.answer, route.answer_is_list)
    elif status in route.error_statuses():
        adapter = _adapter(ErrorResponse, False)
    else:
        raise UndocumentedAnswer(f"{where}, a status the route does not document "
                                 f"({', '.join(map(str, (route.status, *route.also, *route.error_statuses())))}): "
                                 f"{response.text[:500]}")
    try:
        adapter.validate_json(response.content, strict=True)
    except ValidationError as error:
        raise UndocumentedAnswer(f"{where}, which does not match its answer model: {error}\n"
                                 f"{response.text[:1000]}") from None


@cache
def _adapter(model: type[BaseModel], as_list: bool) -> TypeAdapter:
    return TypeAdapter(list[model] if as_list else model)
