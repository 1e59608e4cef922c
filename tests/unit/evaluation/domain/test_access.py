import pytest

from services.evaluation.domain import access
from shared.contracts.actors import Actor, Role
from shared.contracts.evaluation import UnitKind
from shared.errors import Forbidden

ADMIN = Actor(role="city_admin", id="admin")
DEPARTMENT = Actor(role="department_staff", id="s1", department="D01")
COUNTY = Actor(role="county_staff", id="c1", county="371602")
ASSESSOR = Actor(role="assessor", id="a1")
ENTERPRISE = Actor(role="enterprise", id="e1", uscc="91371600MA3C000001")
CLERK = Actor(role="window_clerk", id="w1")
COUNSELLOR = Actor(role="counsellor", id="f1")


def test_own_unit_is_a_staff_members_department_or_county():
    assert access.own_unit(DEPARTMENT) == (UnitKind.department, "D01")
    assert access.own_unit(COUNTY) == (UnitKind.county, "371602")
    assert access.own_unit(Actor(role="department_staff", id="x")) is None
    assert all(access.own_unit(actor) is None for actor in (ADMIN, ASSESSOR, ENTERPRISE))
    assert access.owns_unit(DEPARTMENT, "department", "D01") and not access.owns_unit(DEPARTMENT, "county", "D01")


def test_rating_scope():
    assert access.rating_scope(ENTERPRISE) == {"uscc": ENTERPRISE.uscc}
    assert access.rating_scope(DEPARTMENT) == {"department": "D01"}
    assert access.rating_scope(COUNTY) == {"level": "county", "county": "371602"}
    assert access.rating_scope(ADMIN) == {} and access.rating_scope(ASSESSOR) == {}
    for actor in (CLERK, COUNSELLOR, Actor(role="department_staff", id="x")):
        with pytest.raises(Forbidden):
            access.rating_scope(actor)


@pytest.mark.parametrize(("actor", "policy", "allowed"), [
    (ADMIN, {"department": "D09", "level": "city", "county": None}, True),
    (DEPARTMENT, {"department": "D01", "level": "city", "county": None}, True),
    (DEPARTMENT, {"department": "D02", "level": "county", "county": "371602"}, False),
    (COUNTY, {"department": "D02", "level": "county", "county": "371602"}, True),
    (COUNTY, {"department": "D02", "level": "city", "county": "371602"}, False),
    (ASSESSOR, {"department": "D01", "level": "city", "county": None}, False),
    (ENTERPRISE, {"department": "D01", "level": "city", "county": None}, False),
])
def test_who_closes_a_follow_up(actor, policy, allowed):
    if allowed:
        access.check_may_close_follow_up(actor, **policy)
    else:
        with pytest.raises(Forbidden):
            access.check_may_close_follow_up(actor, **policy)


def test_a_self_assessment_is_for_the_actors_own_unit():
    assert access.check_self_assessor(DEPARTMENT, "D01") is UnitKind.department
    assert access.check_self_assessor(COUNTY, "371602") is UnitKind.county
    for actor, unit in ((DEPARTMENT, "D02"), (COUNTY, "D01"), (ADMIN, "D01"), (ASSESSOR, "D01")):
        with pytest.raises(Forbidden):
            access.check_self_assessor(actor, unit)
    with pytest.raises(Forbidden, match="staff of D01 .* not of D02"):
        access.check_self_assessor(DEPARTMENT, "D02")


def test_third_party_scores_come_from_assessors():
    access.check_assessor(ASSESSOR)
    with pytest.raises(Forbidden):
        access.check_assessor(ADMIN)


@pytest.mark.parametrize("role", [role for role in Role if role not in (Role.enterprise, Role.system)])
def test_every_staff_role_reads_rounds(role):
    access.check_round_reader(Actor(role=role, id="x"))


def test_an_enterprise_reads_a_round_and_answers_it_only_in_scope():
    access.check_round_reader(ENTERPRISE, in_scope=True)
    assert access.check_respondent(ENTERPRISE, in_scope=True) == ENTERPRISE.uscc
    with pytest.raises(Forbidden):
        access.check_round_reader(ENTERPRISE)
    with pytest.raises(Forbidden, match="scope"):
        access.check_respondent(ENTERPRISE, in_scope=False)
    with pytest.raises(Forbidden):
        access.check_respondent(ADMIN, in_scope=True)


def test_rectification_and_alarm_scopes():
    assert access.rectification_scope(ADMIN) == access.rectification_scope(ASSESSOR) == {}
    assert access.rectification_scope(COUNTY) == {"unit_kind": "county", "unit": "371602"}
    assert access.alarm_scope(ADMIN) == {}
    assert access.alarm_scope(DEPARTMENT) == {"department": "D01"}
    assert access.alarm_scope(COUNTY) == {"county": "371602"}
    for scope in (access.rectification_scope, access.alarm_scope):
        with pytest.raises(Forbidden):
            scope(ENTERPRISE)
    with pytest.raises(Forbidden):
        access.alarm_scope(ASSESSOR)


def test_city_admin_only():
    access.check_city_admin(ADMIN, "open a round")
    with pytest.raises(Forbidden, match="only the city administrator may close a round"):
        access.check_city_admin(DEPARTMENT, "close a round")
