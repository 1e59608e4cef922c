"""The application as its readers see it: built from its row, its stages and its history (any objects with
those columns as attributes), so a write can answer from what it wrote and a read from what it read."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.application.domain import deadlines
from services.application.domain.stages import TERMINAL, allowed_actions, who_acts
from shared.contracts.actors import Actor
from shared.contracts.applications import REQUESTED_ACTIONS, Stage


def summary(row: Any) -> dict[str, Any]:
    """An application as a listing shows it."""
    return {"id": row.id, "policy_id": row.policy_id, "policy_title": row.policy_title, "department": row.department,
            "level": row.level, "county": row.county, "uscc": row.uscc, "enterprise_name": row.enterprise_name,
            "proactive": row.proactive, "stage": row.stage, "status": row.stage, "amount": row.amount,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def next_actor(stage: str) -> str | None:
    """Who acts next, for people to read; None once the application is over."""
    return None if stage in TERMINAL else who_acts(Stage(stage))


def listed(row: Any, now: datetime) -> dict[str, Any]:
    """A listing's item: the summary with the due time of the open stage (`row.due_at`, `row.due_provisional`),
    whether it is late, and who acts next: what a hall or a queue shows without opening each application."""
    return {**summary(row), "due_at": row.due_at and row.due_at.isoformat(),
            "provisional": bool(row.due_at and row.due_provisional),
            "overdue": deadlines.is_overdue(row.due_at, None, now), "next": next_actor(row.stage)}


def application(row: Any, stage_rows: Iterable[Any], history_rows: Iterable[Any], now: datetime) -> dict[str, Any]:
    """The whole application: its summary, its timeline (each stage with its due time, and whether it is or
    was overdue), who acts next, its form, note, materials and history, in order."""
    answer = summary(row)
    timeline = [{"stage": stage.stage, "entered_at": stage.entered_at.isoformat(),
                 "due_at": stage.due_at and stage.due_at.isoformat(),
                 "completed_at": stage.completed_at and stage.completed_at.isoformat(), "actor": stage.actor,
                 "provisional": stage.due_provisional,
                 "overdue": deadlines.is_overdue(stage.due_at, stage.completed_at, now)}
                for stage in stage_rows]
    open_stage = timeline[-1] if timeline and not timeline[-1]["completed_at"] else None
    answer.update(
        timeline=timeline, overdue=bool(timeline and timeline[-1]["overdue"]),
        due_at=open_stage and open_stage["due_at"],
        provisional=bool(open_stage and open_stage["due_at"] and open_stage["provisional"]),
        next=next_actor(row.stage),
        form=row.form, note=row.note, materials=row.material_list,
        history=[{"action": entry.action, "from": entry.from_stage, "to": entry.to_stage, "actor": entry.actor,
                  "comment": entry.comment, "amount": entry.amount, "at": entry.at.isoformat()}
                 for entry in history_rows])
    return answer


def offered(application: Mapping[str, Any], actor: Actor) -> list[str]:
    """The actions `actor` may ask for on the application as it stands (what a person is offered): the
    lifecycle's own rule (`stages.allowed_actions`), with the actor's scope judged against it."""
    owns = actor.owns_policy(department=application["department"], level=application["level"],
                             county=application["county"])
    return [action.value for action in allowed_actions(application["stage"], actor.role, owns_policy=owns,
                                                       is_applicant=actor.uscc == application["uscc"])
            if action in REQUESTED_ACTIONS]


def statistics(by_stage: Mapping[str, int], proactive_completed: int, disbursed: Decimal) -> dict[str, Any]:
    """Counts by stage, and the share of redemptions (completed applications) that were proactive."""
    completed = by_stage.get(Stage.completed.value, 0)
    return {"total": sum(by_stage.values()), "by_stage": dict(by_stage), "completed": completed,
            "proactive_completed": proactive_completed,
            "proactive_share": round(proactive_completed / completed, 4) if completed else None,
            "disbursed_amount": disbursed}
