"""Every failure the gateway answers, as one table of exception type -> HTTP status and code.

The body is always `{"error": {"code", "message", "details"}}` (contract section 4). Bad input
is 4xx; a service that does not answer is 503 naming it; anything else is 500, and only 500s
are logged with their traceback.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from shared.errors import Conflict, Forbidden, HuiqiError, Invalid, NotFound
from shared.publisher import PublishFailed


class GatewayError(Exception):
    """A failure the gateway itself detects; `message` is shown to the client."""

    def __init__(self, message: str, details: Any = None):
        super().__init__(message, details)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class Unauthorized(GatewayError):
    """No bearer token, or one that belongs to nobody."""


class MalformedBody(GatewayError):
    """The body is not JSON (or not UTF-8)."""


class InvalidRequest(GatewayError):
    """A path parameter, query parameter or body broke its schema; details name each field."""

    @classmethod
    def from_validation(cls, error: ValidationError, location: str) -> InvalidRequest:
        details = field_errors(error, location)
        fields = ", ".join(dict.fromkeys(item["field"] for item in details))
        return cls(f"invalid {location}: {fields}", details)


class ServiceUnavailable(GatewayError):
    """A service did not answer in time, is not running, or could not take the message."""

    def __init__(self, service: str, message: str):
        super().__init__(message, {"service": service})
        self.service = service


class ServiceFailed(GatewayError):
    """A service answered with an error it did not expect (its bug, not the caller's input)."""

    def __init__(self, service: str, exc_type: str, value: str):
        super().__init__(f"the {service} service failed", {"service": service})
        self.service = service
        self.remote = f"{exc_type}: {value}"


@dataclass(frozen=True)
class ErrorKind:
    status: int
    code: str


# First match wins (isinstance), so a subclass must come before its base.
ERRORS: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (Unauthorized, ErrorKind(401, "unauthorized")),
    (Forbidden, ErrorKind(403, "forbidden")),
    (NotFound, ErrorKind(404, "not_found")),
    (Conflict, ErrorKind(409, "conflict")),
    (MalformedBody, ErrorKind(400, "malformed_json")),
    (InvalidRequest, ErrorKind(422, "invalid")),
    (Invalid, ErrorKind(422, "invalid")),
    (ValidationError, ErrorKind(422, "invalid")),
    (ServiceUnavailable, ErrorKind(503, "service_unavailable")),
    (UnknownService, ErrorKind(503, "service_unavailable")),
    (eventlet.Timeout, ErrorKind(503, "service_unavailable")),
    (PublishFailed, ErrorKind(503, "service_unavailable")),
    (ServiceFailed, ErrorKind(500, "service_failed")),
)
INTERNAL = ErrorKind(500, "internal_error")


@dataclass(frozen=True)
class ErrorReply:
    status: int
    body: dict
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def unexpected(self) -> bool:
        return self.status >= 500 and self.status != 503


def kind_of(error: BaseException) -> ErrorKind:
    for exc_type, kind in ERRORS:
        if isinstance(error, exc_type):
            # a service's error may name itself more precisely than its kind (no_phone_on_file is invalid)
            return ErrorKind(kind.status, error.code) if isinstance(error, HuiqiError) else kind
    if isinstance(error, HuiqiError):  # a new shared error type: trust its own status and code
        return ErrorKind(error.status, error.code)
    if isinstance(error, HTTPException) and error.code:  # e.g. 413 from werkzeug
        return ErrorKind(error.code, _snake(error.name))
    return INTERNAL


def error_reply(error: BaseException, correlation_id: str | None = None) -> ErrorReply:
    """The JSON answer for `error`. A 500 never shows the exception, only the correlation id."""
    kind = kind_of(error)
    if kind is INTERNAL or kind.code == "service_failed":
        message = "internal error; quote the X-Request-Id when reporting it"
        extra = getattr(error, "details", None)
        details = {"correlation_id": correlation_id, **(extra if isinstance(extra, dict) else {})}
        return ErrorReply(kind.status, envelope(kind.code, message, details))
    if isinstance(error, ValidationError):
        return ErrorReply(kind.status, envelope(kind.code, "invalid input", field_errors(error)))
    if isinstance(error, eventlet.Timeout):
        return ErrorReply(kind.status, envelope(kind.code, "a service did not answer in time"))
    if isinstance(error, UnknownService):
        service = error.args[0] if error.args else "unknown"
        return ErrorReply(kind.status, envelope(kind.code, f"the {service} service is not running",
                                                {"service": service}))
    if isinstance(error, HTTPException):
        return ErrorReply(kind.status, envelope(kind.code, error.description or error.name))
    headers = (("WWW-Authenticate", 'Bearer realm="huiqi"'),) if kind.status == 401 else ()
    details = getattr(error, "details", None)
    if kind.status == 429 and isinstance(details, dict) and "retry_after" in details:
        headers = (("Retry-After", str(details["retry_after"])),)
    message = getattr(error, "message", None) or str(error) or kind.code
    return ErrorReply(kind.status, envelope(kind.code, message, details), headers)


def routing_error_reply(error: HTTPException) -> ErrorReply:
    """404 and 405 from the URL map, as JSON."""
    if error.code == 404:
        return ErrorReply(404, envelope("not_found", "no such endpoint; see GET /api/v1/openapi.json"))
    if error.code == 405:
        allowed = sorted(getattr(error, "valid_methods", None) or ())
        return ErrorReply(405, envelope("method_not_allowed", f"use {', '.join(allowed)}", {"allowed": allowed}),
                          (("Allow", ", ".join(allowed)),))
    return error_reply(error)


def envelope(code: str, message: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def field_errors(error: ValidationError, location: str | None = None) -> list[dict[str, str]]:
    """pydantic's errors as `{"field": "enterprise.uscc", "message": "..."}`, one per broken rule
    (the shape the tagging service uses for quarantined messages), with where the field was."""
    errors = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        entry = {"field": ".".join(str(part) for part in item["loc"]) or "(body)", "message": item["msg"]}
        if location:
            entry["in"] = location
        errors.append(entry)
    return errors


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
