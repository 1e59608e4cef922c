"""What an action does to an application: the steps it writes, and the event each step announces.

An action that ends in `routing` is followed at once by the hall's own `route` (the policy names its
department), so one action may write two steps, each with its stage, history entry and event. A rejection
frees the enterprise to apply for the policy again; a return remembers the stage a resubmission goes back to.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.application.domain.alarms import RESPONSIBLE
from services.application.domain.refusals import Refused
from services.application.domain.stages import Transition, decide
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import ApplicationAction, Stage
from shared.contracts.events import ApplicationChanged

SYSTEM = Actor(role=Role.system, id="system")   # the platform itself: routing, ending notices, withdrawing offers
ROUTING_COMMENT = "自动分派至政策主管部门"


@dataclass(frozen=True)
class Step:
    """One move from a stage to the next, as its history entry records it."""

    action: str
    from_stage: Stage | None
    to_stage: Stage
    actor: Actor
    comment: str | None = None
    amount: Decimal | None = None   # an approval's amount, on the approval's step only


def transition(application: Any, action: str, actor: Actor) -> Transition:
    """`stages.decide` for `actor` on `application` (its row: stage, return stage, enterprise and policy
    owner), with the actor's scope judged against it; a refusal names the stage and the action."""
    stage = Stage(application.stage)
    try:
        return decide(stage, action, role=actor.role,
                      owns_policy=actor.owns_policy(department=application.department, level=application.level,
                                                    county=application.county),
                      is_applicant=actor.uscc == application.uscc,
                      returned_from=Stage(application.returned_from) if application.returned_from else None)
    except Refused as refused:
        raise Refused(refused.reason, refused.status, {"stage": stage.value, "action": action}) from None


def check_materials_allowed(action: str) -> None:
    """Materials come with a resubmission only: Refused (422) with any other action."""
    if action != ApplicationAction.resubmit:
        raise Refused(f"materials come with a resubmission, not with {action}", 422,
                      [{"field": "materials", "message": "only with action resubmit"}])


def steps(taken: Transition, actor: Actor, comment: str | None, amount: Decimal | None) -> list[Step]:
    """The steps of `taken`, with the hall's own routing after it when it ends in `routing`."""
    moved = [Step(taken.action, taken.stage, taken.next_stage, actor, comment,
                  amount if taken.action == ApplicationAction.approve else None)]
    if taken.next_stage == Stage.routing:
        routed = decide(Stage.routing, ApplicationAction.route, role=SYSTEM.role)
        moved.append(Step(ApplicationAction.route, Stage.routing, routed.next_stage, SYSTEM, ROUTING_COMMENT))
    return moved


def settled(stage: Stage, final: Stage, open_key: str | None) -> dict[str, Any]:
    """The application's fields after moving from `stage` to `final`: a return remembers where it came from;
    a rejection frees the pair (the enterprise may apply again)."""
    return {"stage": final.value, "returned_from": stage.value if final == Stage.returned else None,
            "open_key": None if final == Stage.rejected else open_key}


def releases_claim(final: Stage) -> bool:
    """Whether the move frees the application's exclusive group for the enterprise's other policies."""
    return final == Stage.rejected


def changed(application: Mapping[str, Any], step: Step, *, at: datetime, due_at: datetime | None,
            left_stage_due_at: datetime | None = None) -> ApplicationChanged:
    """The event of `step`, taken at `at`; `application` as it stands after it (its id, policy, department,
    enterprise, amount). `due_at`: when the stage entered is due; `left_stage_due_at`: when the stage left was due
    as it stood when left, told only for a stage someone answers for by then (`alarms.RESPONSIBLE`): the public
    notice runs its fixed length and ends after its due time, late by no one."""
    return ApplicationChanged(application_id=application["id"], policy_id=application["policy_id"],
                              policy_title=application["policy_title"], uscc=application["uscc"], action=step.action,
                              from_stage=step.from_stage, to_stage=step.to_stage, amount=application["amount"],
                              proactive=application["proactive"], actor_role=step.actor.role,
                              department=application["department"], due_at=due_at,
                              left_stage_due_at=left_stage_due_at if step.from_stage in RESPONSIBLE else None,
                              occurred_at=at)
