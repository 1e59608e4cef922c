"""A policy's budget (contract section 7): approvals reserve their amount against it and never overspend it.

An approval in review reserves (commits) the amount it approves; an objection upheld afterwards gives it back;
the disbursement pays it out. A policy without a budget reserves without limit. Approving needs an amount:
the formula's estimate, or a lower one the reviewer sets, never a higher one.
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum

from services.application.domain.refusals import Refused
from shared.contracts.applications import ApplicationAction, Stage
from shared.money import yuan


class Effect(Enum):
    """What a move does to its policy's budget."""

    commit = "commit"       # reserve the approved amount
    release = "release"     # give the reserved amount back
    disburse = "disburse"   # pay the reserved amount out


def effect_of(stage: Stage, action: str) -> Effect | None:
    """The budget effect of taking `action` in `stage`; None for the moves that leave the budget alone
    (an objection dismissed approves again, and reserves nothing twice)."""
    if action == ApplicationAction.approve and stage == Stage.review:
        return Effect.commit
    if action == ApplicationAction.reject and stage == Stage.objection:
        return Effect.release
    if action == ApplicationAction.disburse:
        return Effect.disburse
    return None


def approved_amount(estimate: Decimal | None, asked: Decimal | None) -> Decimal:
    """The amount an approval reserves: the one asked, or else the estimate; Refused (422) when there is
    neither, or when the one asked is more than the estimate."""
    approved = estimate if asked is None else yuan(asked)
    if approved is None:
        raise Refused("approve needs an `amount`: the policy's formula gave none for this enterprise", 422,
                      [{"field": "amount", "message": "required"}])
    if estimate is not None and approved > estimate:
        raise Refused(f"amount {approved:.2f} is more than the formula gives ({estimate:.2f})", 422,
                      [{"field": "amount", "message": f"at most {estimate:.2f}"}])
    return approved


def check_fits(policy_id: int, budget: Decimal | None, committed: Decimal, approved: Decimal) -> None:
    """Refused (409) when reserving `approved` besides what is `committed` would exceed the `budget`."""
    if budget is not None and committed + approved > budget:
        remaining = budget - committed
        raise Refused(f"approving {approved:.2f} yuan would exceed policy {policy_id}'s remaining budget "
                      f"({remaining:.2f} of {budget:.2f} yuan)", 409,
                      {"remaining": remaining, "budget": budget, "amount": approved})
