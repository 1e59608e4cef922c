"""Rate limits as sliding windows: how long until one more attempt is allowed, given when the
earlier ones happened. Pure: the store keeps the times (in the database, so every gateway replica
and accounts replica counts the same), these rules read them.

- Sign-in failures: 5 per login and 20 per client address within 15 minutes.
- Registration codes sent: 1 a minute and 5 an hour per enterprise (USCC).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    limit: int           # at most this many ...
    length: timedelta    # ... within any window this long


SIGN_IN_PER_LOGIN = Window(5, timedelta(minutes=15))
SIGN_IN_PER_ADDRESS = Window(20, timedelta(minutes=15))
CODES_PER_USCC = (Window(1, timedelta(minutes=1)), Window(5, timedelta(hours=1)))


def retry_after(times: Iterable[datetime], window: Window, now: datetime) -> timedelta | None:
    """How long until one more attempt fits `window`, or None if one fits now. `times` are the
    earlier attempts (any order; those outside the window are ignored)."""
    recent = sorted(at for at in times if now - window.length < at <= now)
    if len(recent) < window.limit:
        return None
    # the attempt that has to leave the window before one more fits
    leaving = recent[len(recent) - window.limit]
    return leaving + window.length - now


def longest_wait(times: Iterable[datetime], windows: Iterable[Window], now: datetime) -> timedelta | None:
    """`retry_after` over several windows at once: the longest wait any of them asks, or None."""
    times = list(times)
    waits = [wait for window in windows if (wait := retry_after(times, window, now)) is not None]
    return max(waits) if waits else None


def whole_seconds(wait: timedelta) -> int:
    """A wait as the Retry-After header gives it: whole seconds, rounded up, at least 1."""
    return max(1, -int(-wait.total_seconds() // 1))
