"""Concurrent approvals never overspend a policy's budget, on SQLite and PostgreSQL: each approval
runs in its own transaction on its own connection, at the same moment."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.application import budget_store, hall
from services.application.models import budgets
from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.errors import Conflict

CALENDAR = workdays.seeded()
WORKERS = 8
AMOUNT = 40_000.0
BUDGET = 100_000.0   # two approvals fit, not three
CLERK = Actor(role=Role.window_clerk, id="clerk")
REVIEWER = Actor(role=Role.department_staff, id="reviewer", department="finance")


def terms(uscc: str) -> dict:
    policy = {"id": 7, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
              "status": "published", "redeemable": True, "exclusive_group": None, "stage_limits": {},
              "budget": BUDGET, "version": 1}
    return {"policy": policy, "uscc": uscc, "matched": True, "missing": [], "estimated_amount": AMOUNT,
            "profile": {"name": uscc}}


@pytest.fixture
def engine(service_engine):
    return service_engine("application", pool_size=WORKERS + 2)


def test_concurrent_approvals_stay_within_the_budget(engine):
    now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    ids = []
    with engine.begin() as connection:
        session = Session(bind=connection)
        for number in range(WORKERS):
            opened = hall.open_application(session, terms(f"91371600000000{number:04d}"), note=None,
                                           checked_materials=[], actor=CLERK, now=now, calendar=CALENDAR)
            ids.append(hall.act(session, opened.application_id, "accept", CLERK, comment=None, amount=None,
                                now=now, calendar=CALENDAR).application_id)
    outcomes: list[str] = []
    start = threading.Barrier(WORKERS)

    def approve(application_id: int) -> None:
        start.wait()
        try:
            with engine.begin() as connection:
                hall.act(Session(bind=connection), application_id, "approve", REVIEWER, comment=None, amount=None,
                         now=now, calendar=CALENDAR)
            outcomes.append("approved")
        except Conflict as refused:
            outcomes.append("refused" if "budget" in refused.message else f"other: {refused.message}")

    threads = [threading.Thread(target=approve, args=(application_id,)) for application_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["approved"] * 2 + ["refused"] * (WORKERS - 2)
    with engine.connect() as connection:
        committed = connection.execute(select(budgets.c.committed).where(budgets.c.policy_id == 7)).scalar_one()
    assert committed == 2 * AMOUNT


def _budget_of(engine, policy_id: int):
    with engine.connect() as connection:
        return connection.execute(select(budgets.c.budget, budgets.c.policy_version, budgets.c.committed)
                                  .where(budgets.c.policy_id == policy_id)).one()


def test_a_revised_budget_holds_for_the_next_approval_and_an_older_version_never_comes_back(engine):
    now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    revised = {**terms("913716000000000001")["policy"], "version": 3, "budget": 60_000.0}
    with engine.begin() as connection:
        session = Session(bind=connection)
        ids = []
        for number in range(2):
            opened = hall.open_application(session, terms(f"91371600000000{number:04d}"), note=None,
                                           checked_materials=[], actor=CLERK, now=now, calendar=CALENDAR)
            ids.append(hall.act(session, opened.application_id, "accept", CLERK, comment=None, amount=None,
                                now=now, calendar=CALENDAR).application_id)
        hall.act(session, ids[0], "approve", REVIEWER, comment=None, amount=None, now=now, calendar=CALENDAR)
        budget_store.revise(connection, revised)                                  # 40,000 approved of 60,000
        budget_store.revise(connection, {**revised, "version": 2, "budget": BUDGET})   # a late, older revision
    assert tuple(_budget_of(engine, 7)) == (60_000, 3, AMOUNT)
    with engine.begin() as connection:   # an application with terms from before the revision changes nothing
        hall.open_application(Session(bind=connection), {**terms("913716000000000099"),
                                                         "policy": {**revised, "version": 2, "budget": BUDGET}},
                              note=None, checked_materials=[], actor=CLERK, now=now, calendar=CALENDAR)
    assert tuple(_budget_of(engine, 7)) == (60_000, 3, AMOUNT)
    with pytest.raises(Conflict) as refused, engine.begin() as connection:
        hall.act(Session(bind=connection), ids[1], "approve", REVIEWER, comment=None, amount=None,
                 now=now, calendar=CALENDAR)
    assert "remaining budget (20000.00 of 60000.00 yuan)" in refused.value.message


def test_a_revision_before_any_application_makes_the_budget_row(engine):
    with engine.begin() as connection:
        budget_store.revise(connection, {"id": 8, "budget": 5_000.0, "version": 2})
    assert tuple(_budget_of(engine, 8)) == (5_000, 2, 0)
