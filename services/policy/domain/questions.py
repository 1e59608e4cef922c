"""Questions on a policy (政策咨询): an enterprise asks on a published policy, the owning department
answers once, and a question left unanswered past its due time (2 working days by default, by the
official calendar) is overdue. A due time counted on a year without an official arrangement yet is
provisional, and counted again when the year's arrangement arrives."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.contracts.events import AlarmAudience, QuestionAnswered, QuestionAsked, StaffAlarm
from shared.contracts.policies import PolicyLevel, PolicyStatus
from shared.errors import Conflict
from shared.workdays import WorkingCalendar

DUE_WORKING_DAYS = 2


def check_askable(policy: Mapping[str, Any]) -> None:
    """Conflict (409) unless the policy is published."""
    if policy["status"] != PolicyStatus.published:
        raise Conflict(f"policy {policy['id']} is {policy['status']}; questions are taken on published policies",
                       {"status": policy["status"]})


def check_unanswered(question: Mapping[str, Any]) -> None:
    """Conflict (409) for a question already answered: an answer is given once."""
    if question["answered_at"] is not None:
        raise Conflict(f"question {question['id']} was already answered", {"answered_at": question["answered_at"]})


def due(calendar: WorkingCalendar, asked_at: datetime) -> tuple[datetime, bool]:
    """When a question asked at `asked_at` is due, and whether that was counted on a provisional year."""
    counted = calendar.due(asked_at, DUE_WORKING_DAYS)
    return counted.at, counted.provisional


def overdue(answered_at: datetime | None, due_at: datetime | None, now: datetime) -> bool:
    return answered_at is None and due_at is not None and now > due_at


def alarm(question: Mapping[str, Any]) -> StaffAlarm:
    """The staff alarm of a question overdue (`question`: its id, and its policy's id, department, level and
    county), to the staff who answer it: the policy's department's, and its county's for a county-level one."""
    county = question["county"] if question["level"] == PolicyLevel.county else None
    return StaffAlarm(alarm_id=f"policy.question{question['id']}.overdue", kind="question_overdue",
                      title=f"政策{question['policy_id']}的咨询{question['id']}已超期未答复",
                      audience=AlarmAudience.of_unit(question["department"], county))


def asked(question: Mapping[str, Any]) -> QuestionAsked:
    """The event of a question just asked (`question` as `question_store` answers it), dated when it was asked."""
    return QuestionAsked(question_id=question["id"], policy_id=question["policy_id"],
                         department=question["department"], uscc=question["uscc"], due_at=question["due_at"],
                         occurred_at=question["asked_at"])


def answered(question: Mapping[str, Any]) -> QuestionAnswered:
    """The event of a question just answered, dated when it was answered, with the due time it had then."""
    return QuestionAnswered(question_id=question["id"], policy_id=question["policy_id"],
                            department=question["department"], uscc=question["uscc"], due_at=question["due_at"],
                            occurred_at=question["answered_at"])
