"""Who may read and do what in the evaluation service, judged from the `Actor` (contract sections 5 and 9).

The gateway enforces roles; these rules also hold the scope: a department's staff act for their department, a
county's staff for their county (and for the county-level policies of it), an enterprise for itself. Each
`*_scope` answers the filter a listing applies (column -> value; empty: everything), or Forbidden (403).
"""
from __future__ import annotations

from collections.abc import Mapping

from shared.contracts.actors import STAFF_ROLES, Actor, Role
from shared.contracts.evaluation import UnitKind
from shared.contracts.policies import PolicyLevel
from shared.errors import Forbidden

# the units a round ranks that people belong to (a policy is nobody's unit)
PEOPLE_UNITS = (UnitKind.department, UnitKind.county)


def own_unit(actor: Actor) -> tuple[UnitKind, str] | None:
    """The department or county a staff member acts for; None for every other role."""
    if actor.role is Role.department_staff and actor.department:
        return UnitKind.department, actor.department
    if actor.role is Role.county_staff and actor.county:
        return UnitKind.county, actor.county
    return None


def owns_unit(actor: Actor, unit_kind: str, unit: str) -> bool:
    return own_unit(actor) == (unit_kind, unit)


def check_city_admin(actor: Actor, action: str) -> None:
    """Forbidden (403) unless the city administrator: opening, closing and setting a round's survey, issuing,
    verifying and reopening rectifications."""
    if actor.role is not Role.city_admin:
        raise Forbidden(f"only the city administrator may {action}", {"role": str(actor.role)})


def rating_scope(actor: Actor) -> Mapping[str, str]:
    """Which ratings and follow-ups the actor reads: an enterprise its own (`uscc`), a department's staff those
    of its department's policies (`department`), a county's staff those of its county's county-level policies
    (`level`, `county`), the city administrator and assessors all. Forbidden for other roles."""
    if actor.role is Role.enterprise and actor.uscc:
        return {"uscc": actor.uscc}
    if actor.role in (Role.department_staff, Role.county_staff) and own_unit(actor):
        return actor.policy_scope()
    if actor.role in (Role.city_admin, Role.assessor):
        return {}
    raise Forbidden(f"a {actor.role} does not read ratings or follow-ups", {"role": str(actor.role)})


def check_may_close_follow_up(actor: Actor, *, department: str, level: str, county: str | None) -> None:
    """Forbidden (403) unless the city administrator or staff responsible for the rated policy (its department's,
    or its county's for a county-level policy)."""
    if actor.role is Role.city_admin or actor.owns_policy(department=department, level=level, county=county):
        return
    raise Forbidden("only staff responsible for the policy, or the city administrator, close its follow-ups",
                    {"department": department, "county": county if level == PolicyLevel.county else None})


def check_self_assessor(actor: Actor, unit: str) -> UnitKind:
    """The kind of unit a self-assessment is for: the actor's own department or county; Forbidden otherwise."""
    mine = own_unit(actor)
    if mine is None:
        raise Forbidden("a self-assessment is filed by a department's or a county's own staff",
                        {"unit": unit, "role": str(actor.role)})
    if mine[1] != unit:
        raise Forbidden(f"staff of {mine[1]} file the self-assessment of their own {mine[0]} only, not of {unit}",
                        {"unit": unit})
    return mine[0]


def check_assessor(actor: Actor) -> None:
    """Forbidden (403) unless an assessor: third-party scores come from assessors only."""
    if actor.role is not Role.assessor:
        raise Forbidden("only an assessor files third-party assessments", {"role": str(actor.role)})


def check_round_reader(actor: Actor, in_scope: bool = False) -> None:
    """Every staff role reads rounds and results; an enterprise reads a round (and its questionnaire) only when
    in its scope (`in_scope`: it matched or applied to a policy of the round in the period)."""
    if actor.role in STAFF_ROLES or (actor.role is Role.enterprise and in_scope):
        return
    raise Forbidden("this round is not in the actor's scope", {"role": str(actor.role)})


def check_respondent(actor: Actor, in_scope: bool) -> str:
    """The enterprise answering a round's survey (its uscc): in the round's scope, or Forbidden (403)."""
    if actor.role is not Role.enterprise or not actor.uscc:
        raise Forbidden("only an enterprise answers a round's survey", {"role": str(actor.role)})
    if not in_scope:
        raise Forbidden("the enterprise is not in this round's scope: it neither matched nor applied to one of "
                        "its policies in the period", {"uscc": actor.uscc})
    return actor.uscc


def rectification_scope(actor: Actor) -> Mapping[str, str]:
    """Which rectifications the actor reads: the city administrator and assessors all, a unit's staff their
    unit's (`unit_kind`, `unit`). Forbidden for other roles."""
    if actor.role in (Role.city_admin, Role.assessor):
        return {}
    mine = own_unit(actor)
    if mine is not None:
        return {"unit_kind": mine[0], "unit": mine[1]}
    raise Forbidden(f"a {actor.role} does not read rectifications", {"role": str(actor.role)})


def alarm_scope(actor: Actor) -> Mapping[str, str]:
    """Which evaluation alarms the actor reads: the city administrator all, a department's staff its
    department's (`department`), a county's staff its county's (`county`)."""
    if actor.role is Role.city_admin:
        return {}
    mine = own_unit(actor)
    if mine is not None:
        return {str(mine[0]): mine[1]}
    raise Forbidden(f"a {actor.role} does not read alarms", {"role": str(actor.role)})
