"""The platform's notion of now. Every service asks here, never `datetime.now()` directly,
so the time-travel switch of contract section 7 can move all of them together."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
_offset = timedelta(0)


def now() -> datetime:
    """Aware UTC now, plus any time-travel offset."""
    return datetime.now(UTC) + _offset


def today_in_china() -> date:
    return now().astimezone(CHINA).date()


def offset() -> timedelta:
    return _offset


def set_offset(offset: timedelta) -> None:
    global _offset
    _offset = offset
