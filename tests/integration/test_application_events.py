"""Every move of an application tells the evaluation service, on SQLite and PostgreSQL, who answers for
it (the policy's department), when the stage it entered is due and when the stage it left was due as it
stood when left: the same instants the application's timeline shows, a stage resumed after a return
included, so "left on time" is `occurred_at <= left_stage_due_at`."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.application import hall
from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.contracts.events import ApplicationChanged
from tests.integration.application_terms import USCC, terms

CALENDAR = workdays.seeded()
SUBMITTED = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)   # Friday 10:00 in China
CLERK = Actor(role=Role.window_clerk, id="clerk")
REVIEWER = Actor(role=Role.department_staff, id="reviewer", department="finance")
ENTERPRISE = Actor(role=Role.enterprise, id="owner", uscc=USCC)


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


def submit(engine) -> tuple[int, list[ApplicationChanged]]:
    with engine.begin() as connection:
        opened = hall.open_application(connection, terms(), note=None, checked_materials=[], actor=CLERK,
                                       now=SUBMITTED, calendar=CALENDAR)
    return opened.application_id, opened.events


def act(engine, application_id: int, action: str, actor: Actor, at: datetime) -> list[ApplicationChanged]:
    with engine.begin() as connection:
        return hall.act(connection, application_id, action, actor, comment=None, amount=None, now=at,
                        calendar=CALENDAR).events


def timeline(engine, application_id: int) -> list[tuple[str, datetime | None]]:
    """(stage, due time) of each stage entered, in order, as the application shows them."""
    with engine.connect() as connection:
        shown = hall.get(connection, application_id, SUBMITTED)["timeline"]
    return [(entry["stage"], entry["due_at"] and datetime.fromisoformat(entry["due_at"])) for entry in shown]


def test_each_move_names_the_department_and_the_due_times_the_timeline_shows(engine):
    application_id, events = submit(engine)
    accepted = SUBMITTED + timedelta(hours=1)
    events += act(engine, application_id, "accept", CLERK, accepted)        # and the hall's own routing
    returned = accepted + timedelta(hours=2)
    events += act(engine, application_id, "return", REVIEWER, returned)
    resubmitted = returned + timedelta(days=6)                                # the clock stops meanwhile
    events += act(engine, application_id, "resubmit", ENTERPRISE, resubmitted)

    stages = timeline(engine, application_id)
    assert [(event.from_stage, event.to_stage) for event in events] == [
        (None, "acceptance"), ("acceptance", "routing"), ("routing", "review"), ("review", "returned"),
        ("returned", "review")]
    assert [stage for stage, _ in stages] == [event.to_stage for event in events]
    assert {event.department for event in events} == {"finance"}
    assert [event.occurred_at for event in events] == [SUBMITTED, accepted, accepted, returned, resubmitted]
    # the stage entered: due when the timeline says (none while the enterprise holds it)
    assert [event.due_at for event in events] == [due for _, due in stages]
    assert stages[3][1] is None and None not in [stages[0][1], stages[1][1], stages[2][1], stages[4][1]]
    # the stage left: due when it was when left
    assert [event.left_stage_due_at for event in events] == [None, stages[0][1], stages[1][1], stages[2][1], None]
    # the resumed review is due later than the first, by the time it waited with the enterprise
    assert stages[4][1] > stages[2][1]
    assert all(event.occurred_at <= event.left_stage_due_at for event in events if event.left_stage_due_at)


def test_a_stage_left_late_says_so_and_a_notice_ended_is_late_by_no_one(engine):
    application_id, _ = submit(engine)
    act(engine, application_id, "accept", CLERK, SUBMITTED)
    review_due = timeline(engine, application_id)[-1][1]
    late = review_due + timedelta(days=2)
    [approved] = act(engine, application_id, "approve", REVIEWER, late)
    assert (approved.from_stage, approved.to_stage) == ("review", "public_notice")
    assert approved.left_stage_due_at == review_due < approved.occurred_at == late
    assert approved.due_at == timeline(engine, application_id)[-1][1] > late

    # the notice runs its fixed length and the hall ends it after its due time: late by no one
    ended_at = approved.due_at + timedelta(seconds=1)
    with engine.begin() as connection:
        [ended] = [event for moved in hall.end_notices(connection, ended_at, CALENDAR) for event in moved.events]
    assert (ended.from_stage, ended.to_stage, ended.left_stage_due_at) == ("public_notice", "disbursement", None)
    assert ended.due_at == timeline(engine, application_id)[-1][1] > ended_at


def test_events_carry_due_times_over_the_bus_as_instants(engine):
    """As the outbox writes them and a consumer reads them back: aware instants, equal to the ones decided."""
    application_id, events = submit(engine)
    events += act(engine, application_id, "accept", CLERK, SUBMITTED)
    for event in events:
        read = ApplicationChanged.model_validate_json(event.model_dump_json())
        assert read == event and (read.due_at is None or read.due_at.utcoffset() is not None)
