"""A county's feedback responsiveness moves with its county team's statistics (docs/evaluation.md): the problems
it resolved and the enterprises whose financing it coordinated, from the counselling events on the bus, on
SQLite and PostgreSQL; a city team's count towards no county."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.evaluation.models import results
from shared import clock
from shared.contracts.events import PlanChanged, ProblemAnswered, ProblemRaised, ProblemResolved
from tests.integration.evaluation.world import ADMIN, NOW, open_half_year, uscc

BOXING = "371625"


def problem(event_type, problem_id: int, **fields):
    raised_at = NOW - timedelta(days=3)
    more = {} if event_type is ProblemRaised else {"version": 1, "first_answered_at": raised_at + timedelta(hours=2),
                                                     "answered_in_time": True}
    return event_type(problem_id=problem_id, uscc=uscc(problem_id), team_id=1, level="county", county=BOXING,
                      status="resolved" if event_type is ProblemResolved else "in_progress", raised_at=raised_at,
                      **more, **fields)


def plan(enterprise: int, version: int, amount: str, *, team_id: int = 1, level: str = "county",
         county: str | None = BOXING) -> PlanChanged:
    return PlanChanged(uscc=uscc(enterprise), team_id=team_id, version=version, amount_coordinated=Decimal(amount),
                       level=level, county=county)


def responsiveness(rpc, evaluation_id: int) -> float:
    rpc.close_round(ADMIN, evaluation_id)
    counties = {entry["unit"]: entry for entry in rpc.results(ADMIN, evaluation_id)["counties"]}
    assert set(counties) == {BOXING}          # the city team's plan made no county of its own
    return counties[BOXING]["dimensions"]["feedback_responsiveness"]


def outcomes_of(engine, evaluation_id: int) -> dict:
    with engine.connect() as connection:
        return connection.execute(select(results.c.outcomes).where(
            results.c.evaluation_id == evaluation_id, results.c.unit_kind == "county")).scalar_one()


def test_a_countys_responsiveness_rises_as_its_team_resolves_problems_and_coordinates_financing(
        rpc, bus, engine, set_clock, time_travel):
    set_clock(NOW)
    # 博兴县's team answered two problems within 2 hours and drew a plan with nothing coordinated yet
    bus.send(problem(ProblemRaised, 1, occurred_at=NOW - timedelta(days=3)), problem(ProblemAnswered, 1),
             problem(ProblemAnswered, 2), plan(1, 1, "0"),
             plan(9, 1, "80000000", team_id=2, level="city", county=None))
    before = open_half_year(rpc)["id"]
    assert responsiveness(rpc, before) == pytest.approx((100 + 0 + 0) / 3)   # on time, none resolved, none financed
    kept = outcomes_of(engine, before)
    assert (kept["problems_open"], kept["problems_resolved"], kept["served"], kept["financed"]) == (2, 0, 2, 0)
    assert kept["financing_coordinated"] == 0

    time_travel(timedelta(hours=1))
    bus.send(problem(ProblemResolved, 1), plan(1, 2, "3000000.25"))
    time_travel(timedelta(minutes=1))
    resolved = open_half_year(rpc)["id"]
    # one of two problems resolved; one of two enterprises served had 3,000,000.25 yuan coordinated
    assert responsiveness(rpc, resolved) == pytest.approx((100 + 50 + 50) / 3)
    kept = outcomes_of(engine, resolved)
    assert (kept["problems_open"], kept["problems_resolved"], kept["served"], kept["financed"]) == (2, 1, 2, 1)
    assert Decimal(str(kept["financing_coordinated"])) == Decimal("3000000.25")

    time_travel(timedelta(hours=1))
    bus.send(problem(ProblemResolved, 2), plan(2, 1, "500000"), plan(1, 2, "3000000.25"))   # the last again
    time_travel(timedelta(minutes=1))
    everything = open_half_year(rpc)["id"]
    assert responsiveness(rpc, everything) == 100
    assert Decimal(str(outcomes_of(engine, everything)["financing_coordinated"])) == Decimal("3500000.25")
    assert clock.now() > NOW
