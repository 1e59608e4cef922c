"""Teams, access and what a response takes: the counselling service's pure rules."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.counselling.domain import access, ledger, plans, problems, teams
from shared.contracts.actors import Actor, Role
from shared.errors import Conflict, Forbidden, Invalid

USCC = "913716024JURQ28300"
COUNSELLOR = Actor(role=Role.counsellor, id="staff-1", team_id=3)
LONE = Actor(role=Role.counsellor, id="staff-2")
ENTERPRISE = Actor(role=Role.enterprise, id="enterprise-1", uscc=USCC)
ADMIN = Actor(role=Role.city_admin, id="city-admin")


def test_a_county_team_names_its_county_and_only_it_does():
    assert teams.check_team(name=" 博兴队 ", level="county", county="371625") == {
        "name": "博兴队", "level": "county", "county": "371625"}
    with pytest.raises(Invalid, match="county"):
        teams.check_team(name="县队", level="county", county=None)
    with pytest.raises(Invalid, match="county"):
        teams.check_team(name="市队", level="city", county="371625")
    with pytest.raises(Invalid, match="level"):
        teams.check_team(name="队", level="village", county=None)


def test_a_counsellor_acts_only_for_its_own_teams_enterprises():
    assert access.check_counsellor(COUNSELLOR, USCC, 3) == 3
    with pytest.raises(Forbidden, match="不由本辅导团队"):
        access.check_counsellor(COUNSELLOR, USCC, 4)
    with pytest.raises(Forbidden, match="未加入"):
        access.check_counsellor(LONE, USCC, 3)
    with pytest.raises(Forbidden):
        access.check_counsellor(ADMIN, USCC, 3)   # a visit or an answer is the counsellors' own word


def test_an_enterprise_raises_and_reads_its_own_problems_only():
    access.check_raiser(ENTERPRISE, USCC, None)
    with pytest.raises(Forbidden):
        access.check_raiser(ENTERPRISE, "91371600000000001X", 3)
    access.check_problem_reader(ADMIN, USCC, 3)
    with pytest.raises(Forbidden):
        access.check_problem_reader(Actor(role=Role.counsellor, id="staff-9", team_id=4), USCC, 3)


def test_a_counsellor_lists_its_own_team_only():
    assert access.team_scope(COUNSELLOR, None) == 3
    assert access.team_scope(ADMIN, None) is None and access.team_scope(ADMIN, 7) == 7
    with pytest.raises(Forbidden):
        access.team_scope(COUNSELLOR, 4)


def test_a_resolved_problem_takes_no_more_responses():
    assert problems.check_response("open", "in_progress") is problems.Status.in_progress
    with pytest.raises(Invalid, match="status"):
        problems.check_response("open", "open")
    with pytest.raises(Conflict):
        problems.check_response("resolved", "in_progress")


def test_a_visit_is_not_in_the_future_and_amounts_are_not_negative():
    today = date(2026, 12, 6)
    with pytest.raises(Invalid, match="visited_on"):
        plans.check_visit(visited_on=date(2026, 12, 7), notes="走访", financing_need=None, today=today)
    with pytest.raises(Invalid, match="amount_coordinated"):
        plans.check_plan(needs="贷款", measures="对接银行", amount_coordinated=Decimal("-1"))


def test_the_rate_is_none_until_a_problem_is_due():
    assert ledger.rate(0, 0) is None
    assert ledger.rate(1, 2) == 0.5
