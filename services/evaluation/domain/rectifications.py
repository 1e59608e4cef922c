"""A rectification's lifecycle (整改交办, contract section 9): the city administrator issues it to a department or a
county from a round's results, with a due day; the unit's staff report progress and complete it with evidence;
the city administrator verifies it, or reopens it with a reason.

    issued ─progress─▶ in_progress ─progress─▶ in_progress
    issued, in_progress ─complete─▶ completed ─verify─▶ verified
                                    completed ─reopen─▶ in_progress

Every step is kept in its history. An action from any other state is a Conflict (409) naming the state and the
action; an actor who may not take it, Forbidden (403); a step without its text, Invalid (422). A rectification not
verified by the end of its due day (23:59:59 China time) is overdue: an alarm, once.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any

from services.evaluation.domain.access import PEOPLE_UNITS, owns_unit
from shared.clock import CHINA
from shared.contracts.actors import Actor, Role
from shared.contracts.evaluation import RectificationAction, RectificationStatus, UnitKind
from shared.errors import Conflict, Forbidden, Invalid

MAX_TEXT = 2_000
_END_OF_DAY = time(23, 59, 59)

Status, Action = RectificationStatus, RectificationAction

TRANSITIONS: Mapping[tuple[RectificationStatus, RectificationAction], RectificationStatus] = MappingProxyType({
    (Status.issued, Action.progress): Status.in_progress,
    (Status.in_progress, Action.progress): Status.in_progress,
    (Status.issued, Action.complete): Status.completed,
    (Status.in_progress, Action.complete): Status.completed,
    (Status.completed, Action.verify): Status.verified,
    (Status.completed, Action.reopen): Status.in_progress,
})

# the text each action takes, by the name the RPC and the API give it (verify takes none)
TEXT_FIELD: Mapping[RectificationAction, str | None] = MappingProxyType({
    Action.progress: "text", Action.complete: "evidence", Action.verify: None, Action.reopen: "reason",
})

_UNIT_STAFF_ACTIONS = frozenset({Action.progress, Action.complete})


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT or "\x00" in value:
        raise Invalid(f"{field}: must be non-empty text of at most {MAX_TEXT:,} characters",
                      [{"field": field, "message": f"must be non-empty text of at most {MAX_TEXT:,} characters"}])
    return value.strip()


def check_issue(actor: Actor, *, unit_kind: Any, unit: Any, problem: Any, due_on: date, today: date) -> dict:
    """What an issued rectification records (`unit_kind`, `unit`, `problem`, `due_on`), or Forbidden (403) for
    anyone but the city administrator, Invalid (422) naming the field: a department or county unit, a problem,
    a due day not before `today` (China time)."""
    if actor.role is not Role.city_admin:
        raise Forbidden("only the city administrator issues rectifications", {"role": str(actor.role)})
    if unit_kind not in PEOPLE_UNITS:
        raise Invalid("unit_kind: must be department or county: rectifications go to the units that act",
                      [{"field": "unit_kind", "message": "must be department or county"}])
    if not isinstance(unit, str) or not unit.strip():
        raise Invalid("unit: the department or county code is required", [{"field": "unit", "message": "required"}])
    if due_on < today:
        raise Invalid(f"due_on: {due_on} is before today ({today})",
                      [{"field": "due_on", "message": "must be today or later"}])
    return {"unit_kind": UnitKind(unit_kind), "unit": unit.strip(), "problem": _text("problem", problem),
            "due_on": due_on}


def may_take(actor: Actor, action: RectificationAction, unit_kind: str, unit: str) -> bool:
    """Progress and completion are the unit's own staff's; verifying and reopening, the city administrator's."""
    if action in _UNIT_STAFF_ACTIONS:
        return owns_unit(actor, unit_kind, unit)
    return actor.role is Role.city_admin


def take(actor: Actor, *, rectification_id: Any, status: str, unit_kind: str, unit: str, action: Any,
         text: Any = None) -> tuple[RectificationStatus, str | None]:
    """The state `action` moves the rectification to and the text kept in its history, or: Invalid (422) for an
    unknown action or a missing text, Forbidden (403) for an actor who may not take it, Conflict (409) naming the
    state and the action when the state does not allow it."""
    if action not in set(Action):
        raise Invalid(f"action: {action!r} is not one of {', '.join(Action)}",
                      [{"field": "action", "message": "unknown action"}])
    action = Action(action)
    if not may_take(actor, action, unit_kind, unit):
        who = "the unit's own staff" if action in _UNIT_STAFF_ACTIONS else "the city administrator"
        raise Forbidden(f"only {who} may {action} rectification {rectification_id}",
                        {"action": str(action), "unit_kind": unit_kind, "unit": unit})
    next_status = TRANSITIONS.get((Status(status), action))
    if next_status is None:
        allowed = sorted(str(step) for state, step in TRANSITIONS if state == status)
        raise Conflict(f"rectification {rectification_id} is {status}: it cannot {action}"
                       + (f" (it can {', '.join(allowed)})" if allowed else " (it is finished)"),
                       {"status": str(status), "action": str(action)})
    field = TEXT_FIELD[action]
    return next_status, (_text(field, text) if field else None)


def due_end(due_on: date) -> datetime:
    """The end of the due day, China time: a rectification not verified after it is overdue."""
    return datetime.combine(due_on, _END_OF_DAY, tzinfo=CHINA)


def is_overdue(status: str, due_on: date, now: datetime) -> bool:
    """Not verified and past the end of `due_on` (China time)."""
    return status != Status.verified and now > due_end(due_on)


def on_time(completed_at: datetime | None, verified: bool, due_on: date) -> bool:
    """For feedback responsiveness: completed by the end of `due_on` (the completion that was verified, after
    any reopening), and verified."""
    return verified and completed_at is not None and completed_at <= due_end(due_on)
