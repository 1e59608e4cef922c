"""One open application per enterprise and exclusive group, and per enterprise and policy, held by the
database: on SQLite and PostgreSQL in turn, and on PostgreSQL when a second submission runs while the
first is not committed yet (it waits for the first, then is refused: a Conflict, 409, never an
IntegrityError). On SQLite the service lets one writer at a time in (shared.store), so the race is
PostgreSQL's."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from services.application import hall
from services.application.models import exclusive_claims
from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.errors import Conflict
from tests.polling import until

CALENDAR = workdays.seeded()

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
USCC = "913716000000000017"
CLERK = Actor(role=Role.window_clerk, id="clerk")
REVIEWER = Actor(role=Role.department_staff, id="reviewer", department="finance")


def terms(policy_id: int, group: str | None = "stable_jobs") -> dict:
    policy = {"id": policy_id, "title": f"稳岗补贴{policy_id}", "department": "finance", "level": "city",
              "county": None, "status": "published", "redeemable": True, "exclusive_group": group,
              "stage_limits": {}, "budget": 1_000_000, "version": 1}
    return {"policy": policy, "uscc": USCC, "matched": True, "missing": [], "estimated_amount": 20_000,
            "profile": {"name": "滨州测试有限公司"}}


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


def submit(engine, policy_id: int) -> int:
    with engine.begin() as connection:
        return hall.open_application(connection, terms(policy_id), note=None, checked_materials=[], actor=CLERK,
                                     now=NOW, calendar=CALENDAR).application_id


def test_a_second_policy_of_the_group_is_refused_until_the_first_is_rejected(engine):
    first = submit(engine, 1)
    with pytest.raises(Conflict) as refused:
        submit(engine, 2)
    assert refused.value.details == {"exclusive_group": "stable_jobs", "application_id": first}
    with engine.begin() as connection:
        hall.act(connection, first, "accept", CLERK, comment=None, amount=None, now=NOW, calendar=CALENDAR)
        hall.act(connection, first, "reject", REVIEWER, comment=None, amount=None, now=NOW, calendar=CALENDAR)
    second = submit(engine, 2)
    with engine.connect() as connection:
        holders = connection.execute(select(exclusive_claims.c.application_id)).scalars().all()
    assert holders == [second]


def _race(engine, first_policy: int, second_policy: int) -> tuple[int, BaseException | int]:
    """The first submission written and not committed; the second started meanwhile on its own
    connection; the first committed once the second waits for it. What each came to."""
    outcome: list[BaseException | int] = []

    def second() -> None:
        try:
            outcome.append(submit(engine, second_policy))
        except BaseException as error:  # noqa: BLE001 - the test looks at what it was
            outcome.append(error)

    with engine.connect() as connection:
        transaction = connection.begin()
        first = hall.open_application(connection, terms(first_policy), note=None, checked_materials=[],
                                      actor=CLERK, now=NOW, calendar=CALENDAR).application_id
        thread = threading.Thread(target=second)
        thread.start()
        # autocommit: PostgreSQL keeps one snapshot of pg_stat_activity per transaction, so polls in one
        # transaction would never see the second submission start waiting if the first poll came before it
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            until(lambda: outcome or watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one(), interval=0.01,
                what="the second submission to wait for the first, or to finish")
        transaction.commit()
    thread.join(timeout=30)
    return first, outcome[0]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_policies_of_one_group_submitted_at_once_let_one_through(engine):
    first, second = _race(engine, 1, 2)
    assert isinstance(second, Conflict), second
    assert second.details == {"exclusive_group": "stable_jobs", "application_id": first}
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(exclusive_claims)).scalar_one() == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_same_policy_submitted_twice_at_once_is_a_conflict_not_an_integrity_error(engine):
    first, second = _race(engine, 1, 1)
    assert isinstance(second, Conflict), second
    assert second.details == {"application_id": first}
