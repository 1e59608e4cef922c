"""What an action does to an application: the steps it writes, and the event each step announces.

An action that ends in `routing` is followed at once by the hall's own `route` (the policy names its
department), so one action may write two steps, each with its stage, history entry and event. A rejection
frees the enterprise to apply for the policy again; a return remembers the stage a resubmission goes back to.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.application.domain.refusals import Refused
from services.application.domain.stages import Stage, Transition, decide
from shared.contracts.events import ApplicationChanged

SYSTEM = {"role": "system", "id": "system"}   # the platform itself: routing, ending notices, withdrawing offers
ROUTING_COMMENT = "自动分派至政策主管部门"


@dataclass(frozen=True)
class Step:
    """One move from a stage to the next, as its history entry records it."""

    action: str
    from_stage: Stage | None
    to_stage: Stage
    actor: Mapping[str, Any]
    comment: str | None = None
    amount: Decimal | None = None   # an approval's amount, on the approval's step only


def transition(stage: Stage, action: str, actor: Mapping[str, Any], *, owns_policy: bool, applicant: str,
               returned_from: str | None) -> Transition:
    """`stages.decide` for `actor` on an application of the enterprise `applicant`; its refusal names the
    stage and the action."""
    try:
        return decide(stage, action, role=actor["role"], owns_policy=owns_policy,
                      is_applicant=actor.get("uscc") == applicant,
                      returned_from=Stage(returned_from) if returned_from else None)
    except Refused as refused:
        raise Refused(refused.reason, refused.status, {"stage": stage.value, "action": action}) from None


def check_materials_allowed(action: str) -> None:
    """Materials come with a resubmission only: Refused (422) with any other action."""
    if action != "resubmit":
        raise Refused(f"materials come with a resubmission, not with {action}", 422,
                      [{"field": "materials", "message": "only with action resubmit"}])


def steps(taken: Transition, actor: Mapping[str, Any], comment: str | None, amount: Decimal | None) -> list[Step]:
    """The steps of `taken`, with the hall's own routing after it when it ends in `routing`."""
    moved = [Step(str(taken.action), taken.stage, taken.next_stage, actor, comment,
                  amount if taken.action == "approve" else None)]
    if taken.next_stage == Stage.routing:
        routed = decide(Stage.routing, "route", role=SYSTEM["role"])
        moved.append(Step("route", Stage.routing, routed.next_stage, SYSTEM, ROUTING_COMMENT))
    return moved


def settled(stage: Stage, final: Stage, open_key: str | None) -> dict[str, Any]:
    """The application's fields after moving from `stage` to `final`: a return remembers where it came from;
    a rejection frees the pair (the enterprise may apply again)."""
    return {"stage": final.value, "returned_from": stage.value if final == Stage.returned else None,
            "open_key": None if final == Stage.rejected else open_key}


def releases_claim(final: Stage) -> bool:
    """Whether the move frees the application's exclusive group for the enterprise's other policies."""
    return final == Stage.rejected


def changed(application: Mapping[str, Any], step: Step) -> ApplicationChanged:
    """The event of `step`; `application` as it stands after it (its id, policy, enterprise, amount)."""
    return ApplicationChanged(application_id=application["id"], policy_id=application["policy_id"],
                              policy_title=application["policy_title"], uscc=application["uscc"], action=step.action,
                              from_stage=step.from_stage, to_stage=step.to_stage, amount=application["amount"],
                              proactive=application["proactive"], actor_role=step.actor["role"])
