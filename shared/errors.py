"""Errors a service raises for its callers; they cross RPC typed (registered with Nameko).

The gateway maps each to one HTTP status and error code (contract section 4's error shape).
"""
from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


class HuiqiError(Exception):
    code = "error"
    status = 400

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # registered here, not by a decorator on each, so that no error type can be forgotten and
        # reach its caller as a bare RemoteError
        deserialize_to_instance(cls)

    def __init__(self, message: str, details=None):
        super().__init__(message, details)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class Invalid(HuiqiError):
    code, status = "invalid", 422


class NotFound(HuiqiError):
    code, status = "not_found", 404


class Conflict(HuiqiError):
    code, status = "conflict", 409


class Forbidden(HuiqiError):
    code, status = "forbidden", 403


class Unavailable(HuiqiError):
    """A service this one asked did not answer in time; asking again later may work."""

    code, status = "service_unavailable", 503


class Unauthenticated(HuiqiError):
    """A sign-in with a wrong login or password: one answer for both, so it tells nobody which."""

    code, status = "unauthorized", 401


class Locked(HuiqiError):
    """The thing asked about is locked (a registration after too many wrong codes)."""

    code, status = "locked", 423


class TooManyRequests(HuiqiError):
    """A rate limit: `details["retry_after"]` says in how many seconds to ask again."""

    code, status = "rate_limited", 429


class NoPhoneOnFile(Invalid):
    """An enterprise cannot register itself: government data holds no phone for it (or no file)."""

    code = "no_phone_on_file"


class SmsUnavailable(Unavailable):
    """No SMS gateway is configured, or the one configured did not take the message."""

    code = "sms_unavailable"


EXPECTED = (Invalid, NotFound, Conflict, Forbidden, Unavailable, Unauthenticated, Locked, TooManyRequests)
