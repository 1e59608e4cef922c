"""The words of an application's lifecycle (contract section 7): its stages and the actions that
move it. `services.application.domain.stages` says which action is taken where and by whom."""
from __future__ import annotations

import enum


class Stage(enum.StrEnum):
    """Where an application is; also its `status`. `confirmation` is only for proactive redemption
    (免申即享): the platform opened the application and the enterprise confirms."""

    confirmation = "confirmation"
    acceptance = "acceptance"
    routing = "routing"
    review = "review"
    public_notice = "public_notice"
    objection = "objection"
    disbursement = "disbursement"
    returned = "returned"
    completed = "completed"
    rejected = "rejected"


class ApplicationAction(enum.StrEnum):
    """What moves an application from one stage to the next."""

    confirm = "confirm"
    accept = "accept"
    return_ = "return"
    resubmit = "resubmit"
    route = "route"
    approve = "approve"
    reject = "reject"
    object = "object"
    end_notice = "end_notice"
    disburse = "disburse"
    withdraw = "withdraw"


class Opening(enum.StrEnum):
    """How an application began: the first entry of its history, and the action of its first event."""

    submit = "submit"   # by the enterprise, or a window clerk for it
    create = "create"   # by the platform, for a proactive policy (免申即享)


# What `POST /api/v1/applications/{id}/actions` takes: every action but the platform's own (the end
# of a public notice, the withdrawal of an offer the enterprise no longer matches).
REQUESTED_ACTIONS: tuple[ApplicationAction, ...] = (
    ApplicationAction.accept, ApplicationAction.return_, ApplicationAction.resubmit, ApplicationAction.route,
    ApplicationAction.approve, ApplicationAction.reject, ApplicationAction.object, ApplicationAction.disburse,
    ApplicationAction.confirm)

# The stages staff answer for by a due time (the window, then the policy's department): one still open past its
# due time is late, whoever looks (the alarm pass, the evaluation's responsiveness).
STAFF_STAGES: tuple[Stage, ...] = (Stage.acceptance, Stage.routing, Stage.review, Stage.objection,
                                   Stage.disbursement)

# The stages whose working-day limit a policy may set (`stage_limits`, contract section 6).
POLICY_LIMITED_STAGES: tuple[Stage, ...] = (Stage.acceptance, Stage.routing, Stage.review, Stage.public_notice,
                                            Stage.disbursement)
