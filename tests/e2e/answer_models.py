"""Every JSON answer an end-to-end test gets from the gateway is checked against its route's answer
model (services/gateway/routes.py, the models the OpenAPI document is written from), so the
documentation cannot drift from what the services answer.

`check` is a `requests` response hook: the harness's HTTP sessions call it on every answer. An answer
fails when its status is not one its route documents, when its body does not validate (strictly: no
string for a number, no number for a string) against the model, or when it carries a field its model
does not name. The models allow unnamed fields (the published document promises clients that answers
may grow); this check refuses them, so every field a service adds is documented when it is added.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError
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
        answer = adapter.validate_json(response.content, strict=True)
    except ValidationError as error:
        raise UndocumentedAnswer(f"{where}, which does not match its answer model: {error}\n"
                                 f"{response.text[:1000]}") from None
    unnamed = list(unnamed_fields(answer))
    if unnamed:
        raise UndocumentedAnswer(f"{where}, with fields its answer model does not name: {', '.join(unnamed)}\n"
                                 f"{response.text[:1000]}")


def unnamed_fields(value: Any, where: str = "$") -> Iterator[str]:
    """Where a validated answer holds a field its model does not name (`$.items[0].stage`).

    Answer models keep such fields (`extra="allow"`), so they can be found here; a model that drops
    them silently (pydantic's default, `extra="ignore"`) would hide them, and is refused."""
    if isinstance(value, RootModel):
        yield from unnamed_fields(value.root, where)
    elif isinstance(value, BaseModel):
        extra = type(value).model_config.get("extra")
        if extra not in ("allow", "forbid"):
            raise UndocumentedAnswer(f"{where}: the answer model {type(value).__name__} drops the fields it does "
                                     f"not name (extra={extra!r}); give it extra='allow'")
        yield from (f"{where}.{name}" for name in value.model_extra or ())
        for name in type(value).model_fields:
            yield from unnamed_fields(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unnamed_fields(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unnamed_fields(item, f"{where}.{key}")


@cache
def _adapter(model: type[BaseModel], as_list: bool) -> TypeAdapter:
    return TypeAdapter(list[model] if as_list else model)
