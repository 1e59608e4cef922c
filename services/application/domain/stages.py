"""The lifecycle of an application (contract section 7): its stages, the actions that move it, who may take them.

    confirmation ─confirm─▶ acceptance ─accept─▶ routing ─route─▶ review ─approve─▶ public_notice ─end_notice─▶
    disbursement ─disburse─▶ completed

    acceptance, review ─return─▶ returned ─resubmit─▶ (the stage it was returned from)
    review ─reject─▶ rejected
    confirmation ─withdraw (the enterprise no longer matches: its data changed, or the policy was withdrawn)─▶ rejected
    public_notice ─object─▶ objection ─approve (objection dismissed)─▶ public_notice
                                      ─reject (objection upheld)─▶ rejected

`confirmation` is only for proactive redemption (免申即享): the platform opened the application with its amount
and the enterprise confirms. Scope (is the actor staff of the policy's department or county, is it the applying
enterprise) is decided by the caller and passed in as booleans; this module only knows roles.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from shared.contracts.actors import POLICY_OWNER_ROLES, Role
from shared.contracts.applications import ApplicationAction, Stage

TERMINAL = frozenset({Stage.completed, Stage.rejected})

# Working days. The enterprise's own time (confirmation, returned) has no limit: it is not counted against staff.
DEFAULT_LIMITS: Mapping[Stage, int] = MappingProxyType({
    Stage.acceptance: 1,
    Stage.routing: 1,
    Stage.review: 5,
    Stage.public_notice: 5,
    Stage.objection: 5,
    Stage.disbursement: 10,
})


class Refused(Exception):
    """An action that may not be taken: status 409 (not in this stage) or 403 (not by this role)."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Transition:
    stage: Stage
    action: ApplicationAction
    next_stage: Stage
    # set by `return`: the stage a later `resubmit` goes back to, for the caller to remember
    returned_from: Stage | None = None
    # set by `resubmit`: the stage continues the clock stopped at the return (deadlines.resumed_due_at)
    # instead of starting a fresh limit
    resumes_clock: bool = False


class _Party(Enum):
    """Who may take an action: a role, narrowed by the scope flags where the role alone says too little."""

    applicant = "the applying enterprise (enterprise)"
    owner = "staff of the policy's own department or county (department_staff, county_staff)"
    city_admin = "the city administrator (city_admin)"
    window = "the window clerk (window_clerk)"
    system = "the platform itself (system)"
    # A public notice invites objections from the public. The applicant does not object to its own award, and
    # department or county staff are left out: they see only the applications routed to them (contract section
    # 5), so the only such staff who can see this one are the reviewing department, who decided it.
    objector = ("anyone but the applicant and the reviewing department (another enterprise, counsellor, assessor, "
                "window_clerk, city_admin)")

    def admits(self, role: Role, owns_policy: bool, is_applicant: bool) -> bool:
        match self:
            case _Party.applicant:
                return role == Role.enterprise and is_applicant
            case _Party.owner:
                return role in POLICY_OWNER_ROLES and owns_policy
            case _Party.city_admin:
                return role == Role.city_admin
            case _Party.window:
                return role == Role.window_clerk
            case _Party.system:
                return role == Role.system
            case _Party.objector:
                return (role in (Role.counsellor, Role.assessor, Role.window_clerk, Role.city_admin)
                        or (role == Role.enterprise and not is_applicant))


@dataclass(frozen=True)
class _Rule:
    next_stage: Stage | None   # None: back to the stage the application was returned from
    parties: tuple[_Party, ...]


_STAFF_OF_THE_POLICY = (_Party.owner, _Party.city_admin)

# The city administrator may take any staff action; never the enterprise's own (confirm, resubmit), and not the
# platform's own: the end of the notice, a matter of the calendar, and the withdrawal of an offer, a matter of the
# enterprise's data, rather than of anyone's judgement.
_RULES: Mapping[Stage, Mapping[ApplicationAction, _Rule]] = MappingProxyType({
    # the platform withdraws its own offer once the enterprise no longer matches the policy
    Stage.confirmation: {
        ApplicationAction.confirm: _Rule(Stage.acceptance, (_Party.applicant,)),
        ApplicationAction.withdraw: _Rule(Stage.rejected, (_Party.system,)),
    },
    Stage.acceptance: {
        ApplicationAction.accept: _Rule(Stage.routing, (_Party.window, _Party.city_admin)),
        ApplicationAction.return_: _Rule(Stage.returned, (_Party.window, _Party.city_admin)),
    },
    Stage.routing: {ApplicationAction.route: _Rule(Stage.review, (_Party.window, _Party.system, _Party.city_admin))},
    Stage.review: {
        ApplicationAction.approve: _Rule(Stage.public_notice, _STAFF_OF_THE_POLICY),
        ApplicationAction.reject: _Rule(Stage.rejected, _STAFF_OF_THE_POLICY),
        ApplicationAction.return_: _Rule(Stage.returned, _STAFF_OF_THE_POLICY),
    },
    Stage.public_notice: {
        ApplicationAction.object: _Rule(Stage.objection, (_Party.objector,)),
        ApplicationAction.end_notice: _Rule(Stage.disbursement, (_Party.system,)),
    },
    # approve dismisses the objection; the notice then runs again in full, so the public sees the decision as
    # upheld for a whole uninterrupted period
    Stage.objection: {
        ApplicationAction.approve: _Rule(Stage.public_notice, _STAFF_OF_THE_POLICY),
        ApplicationAction.reject: _Rule(Stage.rejected, _STAFF_OF_THE_POLICY),
    },
    Stage.disbursement: {ApplicationAction.disburse: _Rule(Stage.completed, _STAFF_OF_THE_POLICY)},
    Stage.returned: {ApplicationAction.resubmit: _Rule(None, (_Party.applicant,))},
    Stage.completed: {},
    Stage.rejected: {},
})

_ACTION_NAMES = frozenset(action.value for action in ApplicationAction)

# the stages a `return` can come from, hence the only ones a `resubmit` can go back to
_RETURNABLE = frozenset(stage for stage, rules in _RULES.items() if ApplicationAction.return_ in rules)

_RESPONSIBLE: Mapping[Stage, str] = MappingProxyType({
    Stage.confirmation: "申请企业确认 / the applying enterprise confirms (enterprise)",
    Stage.acceptance: "一窗受理窗口 / the window clerk (window_clerk)",
    Stage.routing: "一窗受理窗口分办 / the window clerk or the platform routes it (window_clerk, system)",
    Stage.review: "政策主管部门审核 / the policy's department or county (department_staff, county_staff)",
    Stage.public_notice: "公示中，期满自动结束 / public notice, ended by the platform when it runs out (system)",
    Stage.objection: "政策主管部门核查异议 / the policy's department or county reviews the objection "
                     "(department_staff, county_staff)",
    Stage.disbursement: "政策主管部门拨付 / the policy's department or county pays out "
                        "(department_staff, county_staff)",
    Stage.returned: "申请企业补充材料 / the applying enterprise supplies more material (enterprise)",
    Stage.completed: "已办结 / nobody: the application is completed",
    Stage.rejected: "已办结（不予通过）/ nobody: the application was rejected",
})


def _stage(stage: str) -> Stage:
    try:
        return Stage(stage)
    except ValueError:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(Stage)}") from None


def _not_here(stage: Stage, action: str) -> Refused:
    if stage in TERMINAL:
        return Refused(f"the application is {stage}, a terminal stage: no action can be taken on it", 409)
    allowed = ", ".join(_RULES[stage])
    what = f"cannot {action}" if action in _ACTION_NAMES else f"{action!r} is not an action"
    return Refused(f"the application is in stage {stage}: {what} there; allowed in {stage}: {allowed}", 409)


def decide(stage: str, action: str, *, role: str, owns_policy: bool = False, is_applicant: bool = False,
           returned_from: str | None = None) -> Transition:
    """The transition `action` takes from `stage`, or Refused: 409 when the stage does not allow the action
    (checked first, whoever asks), 403 when the role, with its scope, may not take it.

    `owns_policy`: the actor is department_staff of the policy's department, or county_staff of the county of a
    county-level policy. `is_applicant`: the actor is an enterprise account of the applying enterprise.
    `returned_from`: for `resubmit`, the stage the application was returned from (Transition.returned_from of
    the `return`); a missing or impossible one is the caller's bug, a ValueError.
    """
    stage = _stage(stage)
    rule = _RULES[stage].get(action)
    if rule is None:
        raise _not_here(stage, action)
    action = ApplicationAction(action)
    try:
        actor = Role(role)
    except ValueError:
        raise Refused(f"unknown role {role!r} may not {action}; only {_who(rule)} may", 403) from None
    if not any(party.admits(actor, owns_policy, is_applicant) for party in rule.parties):
        raise Refused(f"{_whom(actor, owns_policy, is_applicant)} may not {action} in stage {stage}; "
                      f"only {_who(rule)} may", 403)
    if rule.next_stage is not None:
        back = stage if rule.next_stage == Stage.returned else None
        return Transition(stage, action, rule.next_stage, returned_from=back)
    if returned_from is None or returned_from not in _RETURNABLE:
        raise ValueError(f"resubmit needs the stage the application was returned from "
                         f"({', '.join(sorted(_RETURNABLE))}), got {returned_from!r}")
    return Transition(stage, action, Stage(returned_from), resumes_clock=True)


def _who(rule: _Rule) -> str:
    return " or ".join(party.value for party in rule.parties)


def _whom(role: Role, owns_policy: bool, is_applicant: bool) -> str:
    """The actor, as a refusal names it: with its scope where the scope is why it is refused."""
    if role in POLICY_OWNER_ROLES and not owns_policy:
        return f"{role} of another department or county"
    if role == Role.enterprise:
        return f"{role} (the applying enterprise)" if is_applicant else f"{role} (not the applying enterprise)"
    return str(role)


def allowed_actions(stage: str, role: str, *, owns_policy: bool = False,
                    is_applicant: bool = False) -> list[ApplicationAction]:
    """The actions this actor may take now, in the order of `ApplicationAction`: what to offer, or "who acts next"."""
    try:
        actor = Role(role)
    except ValueError:
        return []
    rules = _RULES[_stage(stage)]
    return [action for action in ApplicationAction
            if action in rules and any(party.admits(actor, owns_policy, is_applicant)
                                       for party in rules[action].parties)]


def who_acts(stage: str) -> str:
    """The party responsible for the stage, in Chinese and English with the role names, for people to read."""
    return _RESPONSIBLE[_stage(stage)]


def limits_for(stage_limits_override: Mapping[str, int] | None) -> dict[Stage, int]:
    """The defaults with a policy's `stage_limits` laid over them. A stage without a limit, or not a stage, or a
    limit that is not a whole number of working days >= 0 is a ValueError: a policy cannot put the enterprise's
    own time on the staff's clock."""
    limits = dict(DEFAULT_LIMITS)
    for name, days in (stage_limits_override or {}).items():
        stage = _stage(name)
        if stage not in DEFAULT_LIMITS:
            raise ValueError(f"stage {stage} has no time limit; limits are for: {', '.join(DEFAULT_LIMITS)}")
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"the limit of stage {stage} must be a whole number of working days >= 0, got {days!r}")
        limits[stage] = days
    return limits
