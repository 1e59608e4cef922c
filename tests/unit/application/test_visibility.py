"""Who may see an application: one rule (`visibility`), for every role, and the stage shortcut of
`was_routed` proved against the lifecycle itself."""
from __future__ import annotations

import pytest

from services.application.domain import visibility
from services.application.domain.stages import Refused, decide
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import ApplicationAction, Opening, Stage

FIRM = "913716024JURQ28300"
OTHER_FIRM = "91371600000000000X"


def application(*, uscc=FIRM, department="finance", level="city", county=None, stage="review",
                actions=("submit", "accept", "route")) -> dict:
    return {"uscc": uscc, "department": department, "level": level, "county": county, "stage": stage,
            "history": [{"action": action} for action in actions]}


def actor(role: Role, **scope) -> Actor:
    return Actor(role=role, id="someone", **scope)


ROUTED_CITY = application()
ROUTED_COUNTY = application(department="finance", level="county", county="371625")
AT_THE_WINDOW = application(stage="acceptance", actions=("submit",))
RETURNED_BY_THE_WINDOW = application(stage="returned", actions=("submit", "return"))
RETURNED_BY_THE_DEPARTMENT = application(stage="returned", actions=("submit", "accept", "route", "return"))
OFFER_WITHDRAWN = application(stage="rejected", actions=("create", "withdraw"))


@pytest.mark.parametrize(("who", "seen", "unseen"), [
    (actor(Role.enterprise, uscc=FIRM), [ROUTED_CITY, AT_THE_WINDOW, OFFER_WITHDRAWN],
     [application(uscc=OTHER_FIRM)]),
    (actor(Role.enterprise, uscc=None), [], [ROUTED_CITY]),
    (actor(Role.department_staff, department="finance"), [ROUTED_CITY, ROUTED_COUNTY, RETURNED_BY_THE_DEPARTMENT],
     [AT_THE_WINDOW, RETURNED_BY_THE_WINDOW, OFFER_WITHDRAWN, application(department="hrss")]),
    (actor(Role.county_staff, county="371625"), [ROUTED_COUNTY],
     [ROUTED_CITY, application(level="county", county="371602"),
      application(level="county", county="371625", stage="acceptance", actions=("submit",))]),
    *[(actor(role), [ROUTED_CITY, AT_THE_WINDOW, OFFER_WITHDRAWN, application(uscc=OTHER_FIRM)], [])
      for role in (Role.city_admin, Role.window_clerk, Role.assessor, Role.counsellor, Role.system)],
])
def test_who_sees_what(who, seen, unseen):
    assert all(visibility.may_see(who, item) for item in seen)
    assert not any(visibility.may_see(who, item) for item in unseen)


def test_staff_owning_the_policy_see_it_once_routed_whatever_else_they_hold():
    # a department's staff see a county-level policy of their department; a county's staff never a city one
    assert visibility.may_see(actor(Role.department_staff, department="finance", county="371625"), ROUTED_COUNTY)
    assert not visibility.may_see(actor(Role.county_staff, department="finance", county="371625"), ROUTED_CITY)


def _paths(depth: int):
    """Every history the lifecycle allows, up to `depth` actions, each with the stage it ends in."""
    starts = [(Stage.acceptance, (Opening.submit,), None), (Stage.confirmation, (Opening.create,), None)]
    frontier, seen = starts, list(starts)
    everyone = [dict(role=role, owns_policy=owns, is_applicant=applicant)
                for role in Role for owns in (False, True) for applicant in (False, True)]
    for _ in range(depth):
        following = []
        for stage, actions, returned_from in frontier:
            for action in ApplicationAction:
                for who in everyone:
                    try:
                        moved = decide(stage, action, returned_from=returned_from, **who)
                    except Refused:
                        continue
                    taken = (*actions, action)
                    back = moved.returned_from or (returned_from if moved.next_stage == Stage.returned else None)
                    if moved.next_stage == Stage.routing:   # the hall routes it at once
                        moved = decide(Stage.routing, ApplicationAction.route, role=Role.system)
                        taken = (*taken, ApplicationAction.route)
                    following.append((moved.next_stage, taken, back))
                    break
        frontier = list(dict.fromkeys(following))
        seen.extend(frontier)
    return seen


def test_the_stage_says_whether_an_application_was_routed_wherever_it_can():
    paths = _paths(8)
    assert {stage for stage, _, _ in paths} == set(Stage) - {Stage.routing}   # routing is passed through at once
    for stage, actions, _ in paths:
        assert visibility.was_routed(stage, actions) == (ApplicationAction.route in actions), (stage, actions)
