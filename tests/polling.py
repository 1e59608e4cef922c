"""Waiting with a deadline: how every test waits for something to happen (nothing sleeps a fixed
time hoping it did). Unit, integration and end-to-end tests all import these two."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.1, what: str = "") -> T:
    """`check()`'s value once it stops raising AssertionError; its last AssertionError at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout:g} s{': ' + what if what else ''}: {error}") from None
        time.sleep(interval)


def until(condition: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.1, what: str = "") -> Any:
    """`condition()`'s value once it is truthy (or stops raising AssertionError with a truthy value)."""
    def check():
        value = condition()
        assert value, f"still {value!r}"
        return value
    return eventually(check, timeout=timeout, interval=interval, what=what)
