"""A low rating's follow-up (差评回访): when it is due and when it is late.

It is due at the end (23:59:59 China time) of the FOLLOW_UP_WORKING_DAYS-th working day after the day of the
rating, by the official calendar (`shared.workdays`); counted on a year without an official arrangement it is
provisional, and counted again when that year's arrangement is loaded. Whether a rating opens one is a rating
rule (`ratings.opens_follow_up`); who may close it, `access`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.contracts.evaluation import FOLLOW_UP_WORKING_DAYS, FollowUpStatus
from shared.contracts.policies import PolicyLevel
from shared.errors import Conflict, Invalid
from shared.workdays import Due, WorkingCalendar

MAX_OUTCOME = 2_000


def due(calendar: WorkingCalendar, rated_at: datetime) -> Due:
    """When the follow-up of a rating made at `rated_at` is due, and whether that was counted provisionally."""
    return calendar.due(rated_at, FOLLOW_UP_WORKING_DAYS)


def responsible(*, department: str, level: str, county: str | None) -> dict[str, str | None]:
    """Who answers for a rated policy's follow-up and gets its alarm: the policy's department, and its county
    too for a county-level policy (`{"department", "county"}`)."""
    return {"department": department, "county": county if level == PolicyLevel.county else None}


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """An open follow-up past its due time."""
    return status == FollowUpStatus.open and now > due_at


def on_time(due_at: datetime, closed_at: datetime | None) -> bool:
    """Whether a follow-up was closed by its due time (feedback responsiveness)."""
    return closed_at is not None and closed_at <= due_at


def check_closable(follow_up_id: Any, status: str) -> None:
    """Conflict (409) for a follow-up already closed: it is closed once, with its outcome."""
    if status != FollowUpStatus.open:
        raise Conflict(f"follow-up {follow_up_id} is {status}; only an open follow-up can be closed",
                       {"status": str(status), "action": "close"})


def check_outcome(outcome: Any) -> str:
    """What the department did: non-empty text of at most MAX_OUTCOME characters, or Invalid (422)."""
    if not isinstance(outcome, str) or not outcome.strip() or len(outcome) > MAX_OUTCOME or "\x00" in outcome:
        rule = f"must be non-empty text of at most {MAX_OUTCOME:,} characters"
        raise Invalid(f"outcome: {rule}", [{"field": "outcome", "message": rule}])
    return outcome.strip()
