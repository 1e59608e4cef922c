"""Progress lines while the bench runs, and waiting for counts with a deadline instead of sleeping."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any


class Progress:
    """Prints `[  12.3 s] phase: message`, the time counted from the start of the run."""

    def __init__(self, stream=sys.stdout):
        self.started = time.monotonic()
        self.stream = stream

    def say(self, phase: str, message: str) -> None:
        print(f"[{time.monotonic() - self.started:8.1f} s] {phase}: {message}", file=self.stream, flush=True)


class Stalled(RuntimeError):
    """The counts stopped moving before reaching what was expected."""


def wait_until(read: Callable[[], Any], done: Callable[[Any], bool], *, progress: Progress, phase: str,
               describe: Callable[[Any], str], started: float, check: Callable[[], None] = lambda: None,
               poll_s: float = 0.05, report_every_s: float = 5.0, stall_s: float = 60.0) -> tuple[Any, float]:
    """Poll `read()` until `done(value)`; returns the value and the `time.monotonic()` it was seen.

    Prints a progress line every `report_every_s` (elapsed from `started`); raises Stalled when the
    value has not changed for `stall_s`. `check()` may raise (a service died, dead letters ...)."""
    last_value, last_change, last_report = None, time.monotonic(), time.monotonic()
    while True:
        value = read()
        seen = time.monotonic()
        if done(value):
            return value, seen
        if value != last_value:
            last_value, last_change = value, seen
        elif seen - last_change > stall_s:
            raise Stalled(f"no progress for {stall_s:.0f} s: {describe(value)}")
        if seen - last_report >= report_every_s:
            progress.say(phase, f"{describe(value)}  ({seen - started:.1f} s)")
            last_report = seen
            check()
        time.sleep(poll_s)
