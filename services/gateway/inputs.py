"""Reading a request before any service is called: the caller, then path, query and body against
the route's models, then `authorize`. Pure: no Nameko, no werkzeug objects, easy to test.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError

from services.gateway.auth import AccountFinder, Caller, Resource, authenticate, require, require_role
from services.gateway.errors import InvalidRequest, MalformedBody
from services.gateway.routes import Route
from shared.contracts.bounds import MAX_INT64


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
                query_args: Mapping[str, str], body: bytes, find_account: AccountFinder | None = None,
                session: str | None = None, csrf: str | None = None, find_session: AccountFinder | None = None,
                now: datetime | None = None) -> Inputs:
    """Raises Unauthorized (401), CsrfRefused (403) for a session's unsafe request without its CSRF token,
    Forbidden (403) for a role that may not call the route at all, MalformedBody (400), InvalidRequest
    (422), or Forbidden (403) for a resource outside the caller's scope. `session` is the id the session
    cookie carries, `csrf` the X-CSRF-Token header: a bearer token, when there is one, wins over them."""
    caller = authenticate(authorization, find_account, session=session, find_session=find_session,
                          method=route.method, csrf=csrf, now=now) if route.needs_token else None
    if caller is not None:
        require_role(caller, route.action)
    _refuse_nul(path_values, "path")
    _refuse_nul(query_args, "query")
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
    level or county in a body, the `source` of an event, the account in the path."""
    return Resource(uscc=path.get("uscc") or getattr(body, "uscc", None) or getattr(query, "uscc", None),
                    department=getattr(body, "department", None), county=getattr(body, "county", None),
                    level=getattr(body, "level", None), source=getattr(body, "source", None),
                    account_id=path.get("account_id"))


# A body nests a few levels (an eligibility rule at most 32 rule levels, two JSON levels each); past
# this it is an attack or a bug, and Python's parser would hit its recursion limit near 1,000.
MAX_JSON_DEPTH = 100
# Every integer the platform keeps is a 64-bit column (SQLite, PostgreSQL bigint); a larger one
# would overflow when bound to SQL, in whichever service stores it.
MAX_JSON_INT = MAX_INT64
# PostgreSQL's text cannot hold U+0000 (psycopg refuses to send it), so a string carrying it would fail
# in whichever service stored it; no field of the platform means it.
NUL_MESSAGE = "must not contain the NUL character (U+0000)"
# A string token (skipped whole, so brackets inside it do not count) or a bracket.
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def decode_json(body: bytes) -> Any:
    """Strict JSON, UTF-8, at most MAX_JSON_DEPTH deep: MalformedBody (400) otherwise. A number no
    64-bit column or double can hold (1e400, 2**63) or a string holding U+0000 is InvalidRequest (422)
    naming its field."""
    if not body or not body.strip():
        raise MalformedBody("the body is empty; send a JSON object")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedBody(f"the body is not UTF-8: {error.reason} at byte {error.start}") from None
    _check_depth(text)
    out_of_range: list[str] = []
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=partial(_integer, out_of_range),
                           parse_float=partial(_double, out_of_range))
    except json.JSONDecodeError as error:
        raise MalformedBody(f"the body is not valid JSON: {error.msg}",
                            {"line": error.lineno, "column": error.colno}) from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise MalformedBody(f"the body is not valid JSON: {error}") from None
    details = []
    if out_of_range:
        details += [{"field": field, "message": _out_of_range_message(literal), "in": "body"}
                    for field, literal in _numbers_out_of_range(value, out_of_range)]
    if "\\u0000" in text:  # a raw NUL byte is not JSON; only the escape can carry one
        details += [{"field": field, "message": NUL_MESSAGE, "in": "body"} for field in _strings_with_nul(value)]
    if details:
        fields = ", ".join(dict.fromkeys(item["field"] for item in details))
        raise InvalidRequest(f"invalid body: {fields}", details)
    return value


def _refuse_nul(values: Mapping[str, str], location: str) -> None:
    details = [{"field": name, "message": NUL_MESSAGE, "in": location} for name, value in values.items()
               if "\x00" in name or "\x00" in value]
    if details:
        raise InvalidRequest(f"invalid {location}: {', '.join(item['field'] for item in details)}", details)


def _check_depth(text: str) -> None:
    depth = 0
    for token in _JSON_NESTING.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                column = token.start() - text.rfind("\n", 0, token.start())
                raise MalformedBody(f"the body nests deeper than {MAX_JSON_DEPTH} levels of arrays and objects",
                                    {"field": "(body)", "max_depth": MAX_JSON_DEPTH, "line": line, "column": column})
        elif bracket in "]}":
            depth -= 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _integer(out_of_range: list[str], literal: str) -> int:
    number = int(literal)
    if abs(number) > MAX_JSON_INT:
        out_of_range.append(literal)
    return number


def _double(out_of_range: list[str], literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        out_of_range.append(literal)
    return number


def _out_of_range_message(literal: str) -> str:
    if any(mark in literal for mark in ".eE") or literal in ("inf", "-inf"):
        return f"the number {literal} is out of range: a decimal must be finite (at most about 1.8e308)"
    return f"the number {literal} is out of range: an integer must lie within ±{MAX_JSON_INT} (64 bits)"


def _strings_with_nul(value: Any) -> list[str]:
    """Where a string (or an object's key) holds U+0000, in document order."""
    found: list[str] = []
    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            found += [".".join(path + (key.replace("\x00", "\\u0000"),)) for key in item if "\x00" in key]
            stack.extend((path + (str(key),), child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((path + (str(index),), child) for index, child in reversed(list(enumerate(item))))
        elif isinstance(item, str) and "\x00" in item:
            found.append(".".join(path) or "(body)")
    return found


def _numbers_out_of_range(value: Any, literals: list[str]) -> list[tuple[str, str]]:
    """Where each out-of-range number sits (`subsidy.amount`, `profiles.3.sequence`), in document order."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((path + (str(key),), child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((path + (str(index),), child) for index, child in reversed(list(enumerate(item))))
        elif (isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_JSON_INT) or \
                (isinstance(item, float) and not math.isfinite(item)):
            found.append((".".join(path) or "(body)", literals[len(found)] if len(found) < len(literals) else
                          str(item)))
    return found


def _validate(model: type[BaseModel], data: Any, location: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRequest.from_validation(error, location) from None
