"""Due times across a year without an official arrangement, on SQLite and PostgreSQL: the alarm pass raises
its alarms whatever the year, a loaded arrangement is kept in the register and every due time counted across
its year is counted again (contract section 13)."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from services.application import hall
from services.application.models import alarms, calendar_years
from services.policy import question_store
from services.policy.domain.questions import DUE_WORKING_DAYS
from services.policy.models import calendar_years as policy_calendar_years
from services.policy.models import questions as question_rows
from shared import calendar_register, workdays
from shared.clock import CHINA
from shared.contracts.actors import Actor, Role

SEEDED = workdays.seeded()
CLERK = Actor(role=Role.window_clerk, id="clerk")
REVIEWER = Actor(role=Role.department_staff, id="reviewer", department="finance")
USCC = "913716000000000017"
ENTERPRISE = Actor(role=Role.enterprise, id="owner", uscc=USCC)
ASKED_BY = ENTERPRISE.model_dump(mode="json")   # as the question rows keep it
# a made-up notice for 2027: 元旦 1-4 January (a Monday made a holiday), Saturday 9 January worked
NOTICE_2027 = workdays.official(2027, "国办发明电〔2026〕99号", [(date(2027, 1, 1), date(2027, 1, 4), "元旦")],
                                [date(2027, 1, 9)])
LOADED = workdays.WorkingCalendar({**workdays.seed_arrangements(), 2027: NOTICE_2027})


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def terms(policy_id: int = 7) -> dict:
    policy = {"id": policy_id, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
              "status": "published", "redeemable": True, "exclusive_group": None, "stage_limits": {},
              "budget": None, "version": 1}
    return {"policy": policy, "uscc": USCC, "matched": True, "missing": [], "estimated_amount": 20_000,
            "profile": {"name": "滨州测试有限公司"}}


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


def open_at(engine, now: datetime, policy_id: int = 7) -> int:
    with engine.begin() as connection:
        return hall.open_application(connection, terms(policy_id), note=None, checked_materials=[], actor=CLERK,
                                     now=now, calendar=SEEDED).application_id


def act(engine, application_id: int, action: str, actor: dict, now: datetime) -> dict:
    with engine.begin() as connection:
        return hall.answer(connection, hall.act(connection, application_id, action, actor, comment=None,
                                                amount=None, now=now, calendar=SEEDED), now)


def test_a_stage_due_on_the_last_day_of_the_calendar_raises_its_alarm_and_escalation_in_january(engine):
    application_id = open_at(engine, china("2026-12-30T10:00"))     # acceptance: due the end of 31 December
    with engine.connect() as connection:
        assert hall.get(connection, application_id, china("2026-12-30T10:00"))["timeline"][0]["due_at"] \
            == "2026-12-31T15:59:59+00:00"
    now = china("2027-01-06T10:00")      # escalation at the end of Monday 4 January (1 January is 元旦)
    with engine.begin() as connection:
        raised = hall.raise_alarms(connection, now, SEEDED)
    assert sorted(alarm["kind"] for alarm in raised) == ["escalation", "overdue"]
    with engine.connect() as connection:
        kept = connection.execute(select(alarms.c.kind, alarms.c.role).order_by(alarms.c.kind)).all()
    assert [tuple(row) for row in kept] == [("escalation", "city_admin"), ("overdue", "window_clerk")]
    # the escalation waits for the end of the first working day after the due day, 2027's provisional one
    second = open_at(engine, china("2026-12-30T11:00"), policy_id=8)
    with engine.begin() as connection:
        early = hall.raise_alarms(connection, china("2027-01-04T12:00"), SEEDED)
    assert [(alarm["application_id"], alarm["kind"]) for alarm in early] == [(second, "overdue")]


def test_a_loaded_year_moves_every_due_time_counted_across_it(engine):
    # entered Monday 28 December: acceptance due the 29th; review (5 days) due 5 January 2027, provisionally
    application_id = open_at(engine, china("2026-12-28T09:00"))
    reviewed = act(engine, application_id, "accept", CLERK, china("2026-12-28T10:00"))
    assert [entry["stage"] for entry in reviewed["timeline"]] == ["acceptance", "routing", "review"]
    assert reviewed["timeline"][-1]["due_at"] == "2027-01-05T15:59:59+00:00"
    assert [entry["provisional"] for entry in reviewed["timeline"]] == [False, False, True]
    act(engine, application_id, "return", REVIEWER, china("2026-12-29T09:00"))
    resumed = act(engine, application_id, "resubmit", ENTERPRISE, china("2027-01-04T09:00"))
    # what was left at the return (15 hours and 4 working days) counted from Monday 4 January: the end of the 8th
    assert resumed["timeline"][-1]["due_at"] == "2027-01-08T15:59:59+00:00"
    assert resumed["timeline"][-1]["provisional"] is True
    # an application all of whose stages are due before the year is left as it is
    earlier = open_at(engine, china("2026-11-02T09:00"), policy_id=8)
    before_earlier = act(engine, earlier, "accept", CLERK, china("2026-11-02T10:00"))["timeline"]

    with engine.begin() as connection:
        assert calendar_register.store(connection, calendar_years, NOTICE_2027, 1, china("2026-12-30T09:00"), "admin")
        calendar = calendar_register.arrangements(connection, calendar_years)
        assert calendar[2027] == NOTICE_2027
        changed = hall.recount_year(connection, LOADED, 2027)
    assert changed == 2   # the first review and its resumption

    with engine.connect() as connection:
        after = hall.get(connection, application_id, china("2027-01-05T09:00"))["timeline"]
        after_earlier = hall.get(connection, earlier, china("2027-01-05T09:00"))["timeline"]
    # 4 January is a holiday now: review due 29, 30, 31, 5, 6 January; the resumption runs from the 5th:
    # 5 (the 15 hours), 6, 7, 8, 9 (the Saturday worked) -> the end of Saturday 9 January
    assert [entry["due_at"] for entry in after] == [
        "2026-12-29T15:59:59+00:00", "2026-12-29T15:59:59+00:00", "2027-01-06T15:59:59+00:00", None,
        "2027-01-09T15:59:59+00:00"]
    assert not any(entry["provisional"] for entry in after)
    assert [entry["due_at"] for entry in after_earlier] == [entry["due_at"] for entry in before_earlier]


def test_the_register_keeps_the_newest_revision_only(engine):
    provider = calendar_register.CalendarProvider(calendar_years)
    provider.setup()
    with engine.begin() as connection:
        assert provider.current(connection).is_provisional(2027)
        assert calendar_register.store(connection, calendar_years, NOTICE_2027, 2, china("2026-12-30T09:00"), None)
        corrected_earlier = workdays.official(2027, "更早的通知", [], [])
        assert not calendar_register.store(connection, calendar_years, corrected_earlier, 1,
                                           china("2026-12-30T10:00"), None)
        assert not calendar_register.store(connection, calendar_years, corrected_earlier, 2,
                                           china("2026-12-30T10:00"), None)
    with engine.connect() as connection:
        calendar = provider.current(connection)
        assert not calendar.is_provisional(2027) and calendar.arrangement(2027).notice == NOTICE_2027.notice
        assert provider.current(connection) is calendar      # nothing changed: not rebuilt
        assert connection.execute(select(calendar_years.c.revision)).scalar_one() == 2


def test_loads_of_one_year_at_once_take_turns(service_engine):
    engine = service_engine("application", pool_size=4)
    barrier, revisions, errors = threading.Barrier(3), [], []

    def load(notice: str) -> None:
        try:
            arrangement = workdays.official(2027, notice, [], [])
            with engine.begin() as connection:
                barrier.wait(timeout=10)
                revisions.append(calendar_register.store_next(connection, calendar_years, arrangement,
                                                              china("2026-12-30T09:00"), "admin"))
        except Exception as error:  # noqa: BLE001 - reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=load, args=(f"通知{number}",)) for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and sorted(revisions) == [1, 2, 3]
    with engine.connect() as connection:
        assert connection.execute(select(calendar_years.c.revision)).scalar_one() == 3

def test_questions_due_across_a_loaded_year_are_counted_again(service_engine):
    engine = service_engine("policy")
    asked = china("2026-12-31T10:00")
    due = SEEDED.due_at(asked, DUE_WORKING_DAYS)
    assert due == china("2027-01-05T23:59:59")    # 1 January off, then the weekend: Monday 4, Tuesday 5
    with engine.begin() as connection:
        rows = [{"policy_id": 1, "uscc": USCC, "text": "问", "asked_by": ASKED_BY, "asked_at": asked,
                 "due_at": due, "due_provisional": True, "due_note": None},
                {"policy_id": 1, "uscc": USCC, "text": "旧版本留下的", "asked_by": ASKED_BY, "asked_at": asked,
                 "due_at": None, "due_provisional": None, "due_note": "not covered"},
                {"policy_id": 1, "uscc": USCC, "text": "早就答复", "asked_by": ASKED_BY,
                 "asked_at": asked - timedelta(days=60), "due_at": SEEDED.due_at(asked - timedelta(days=60), 2),
                 "due_provisional": False, "due_note": None}]
        connection.execute(insert(question_rows), rows)
        calendar_register.store(connection, policy_calendar_years, NOTICE_2027, 1, asked, "calendar.loaded")
        assert question_store.recount_year(connection, LOADED, 2027) == 2
    with engine.connect() as connection:
        kept = connection.execute(select(question_rows.c.due_at, question_rows.c.due_provisional,
                                         question_rows.c.due_note).order_by(question_rows.c.id)).all()
    # 1 to 4 January off: Tuesday 5, Wednesday 6
    assert [tuple(row) for row in kept[:2]] == [(china("2027-01-06T23:59:59").astimezone(UTC), False, None)] * 2
    assert kept[2].due_at == rows[2]["due_at"].astimezone(UTC)
