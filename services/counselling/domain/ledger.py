"""The ledger's (工作台账) measures: a problem's age, a team's 24-hour rate."""
from __future__ import annotations

from datetime import datetime


def age_hours(raised_at: datetime, now: datetime) -> float:
    return round((now - raised_at).total_seconds() / 3600, 1)


def rate(in_time: int, due: int) -> float | None:
    """The share of problems answered within 24 hours, of those whose 24 hours are over or that were
    answered; None when there are none yet."""
    return None if due == 0 else round(in_time / due, 4)
