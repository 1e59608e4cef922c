"""The hall answers a write from what it wrote (`hall.answer`), reading back only what the write
does not know: the answer must be exactly what a later `get` reads, on SQLite and PostgreSQL,
whatever the stage, the amount's type, a stage without a due time, or the database session's time
zone."""
from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from services.application import hall
from services.application.domain.materials import check_materials
from services.application.domain.moves import SYSTEM
from shared import workdays
from shared.contracts.actors import Actor, Role
from tests.integration.application_terms import USCC, terms

CALENDAR = workdays.seeded()
NOW = datetime(2026, 11, 27, 2, 0, 0, 123456, tzinfo=UTC)
CLERK = Actor(role=Role.window_clerk, id="clerk")
REVIEWER = Actor(role=Role.department_staff, id="reviewer", department="finance")
ENTERPRISE = Actor(role=Role.enterprise, id="owner", uscc=USCC)
PDF = base64.b64encode(b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


def read(engine, application_id: int, now: datetime) -> dict:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # a session in another zone reads the same instants, and must print them as written
            connection.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        return hall.get(connection, application_id, now)


def submit(engine, amount, *, materials: bool, proactive: bool = False, now: datetime = NOW,
           policy_id: int = 7) -> dict:
    form = {"name": "申请表", "filename": "申请表.pdf", "content_base64": PDF}
    checked = check_materials([form]) if materials else []
    with engine.begin() as connection:
        opened = hall.open_application(connection, terms(amount, policy_id=policy_id), note="窗口代为提交",
                                       checked_materials=checked,
                                       actor=SYSTEM if proactive else CLERK, now=now, calendar=CALENDAR,
                                       proactive=proactive)
        answered = hall.answer(connection, opened, now)
    assert answered == read(engine, opened.application_id, now)
    return answered


def act(engine, application_id: int, action: str, actor: dict, *, amount=None, now: datetime = NOW) -> dict:
    with engine.begin() as connection:
        moved = hall.act(connection, application_id, action, actor, comment=f"{action} 意见", amount=amount, now=now,
                         calendar=CALENDAR)
        answered = hall.answer(connection, moved, now)
    assert answered == read(engine, application_id, now)
    return answered


@pytest.mark.parametrize("amount", [20_000, 20_000.0, 12_345.67, None])
def test_a_new_application_is_answered_as_it_reads_back(engine, amount):
    answered = submit(engine, amount, materials=True)
    assert answered["status"] == "acceptance"
    # exact yuan whatever the formula's number was: the float 12345.67 by the digits it was written with
    assert answered["amount"] == (None if amount is None else Decimal(str(amount)))
    assert amount is None or (isinstance(answered["amount"], Decimal) and answered["amount"].as_tuple().exponent == -2)
    assert [entry["to"] for entry in answered["history"]] == ["acceptance"]
    assert [material["filename"] for material in answered["materials"]] == ["申请表.pdf"]
    assert answered["created_at"] == NOW.isoformat()


def test_a_proactive_application_is_answered_as_it_reads_back(engine):
    answered = submit(engine, 50_000, materials=False, proactive=True)
    assert (answered["status"], answered["proactive"]) == ("confirmation", True)
    assert answered["materials"] == [] and answered["due_at"] is None


def test_every_move_is_answered_as_it_reads_back(engine):
    application_id = submit(engine, 20_000, materials=True)["id"]
    steps = [("return", CLERK, None, "returned"), ("resubmit", ENTERPRISE, None, "acceptance"),
             ("accept", CLERK, None, "review"), ("approve", REVIEWER, 15_000, "public_notice")]
    for action, actor, amount, stage in steps:
        answered = act(engine, application_id, action, actor, amount=amount, now=NOW + timedelta(hours=1))
        assert answered["status"] == stage
    assert answered["amount"] == Decimal("15000.00") and isinstance(answered["amount"], Decimal)
    assert [entry["action"] for entry in answered["history"]] == ["submit", "return", "resubmit", "accept", "route",
                                                                  "approve"]


def test_a_rejection_is_answered_as_it_reads_back(engine):
    application_id = submit(engine, 20_000, materials=False)["id"]
    act(engine, application_id, "accept", CLERK)
    assert act(engine, application_id, "reject", REVIEWER)["status"] == "rejected"


def test_a_stage_due_in_a_provisional_year_is_answered_as_it_reads_back(engine):
    beyond = datetime(2031, 3, 2, 2, 0, tzinfo=UTC)   # no official arrangement for 2031; entered on Sunday 2 March
    answered = submit(engine, 20_000, materials=False, now=beyond)
    assert answered["due_at"] == "2031-03-03T15:59:59+00:00" and answered["timeline"][-1]["provisional"] is True
    assert submit(engine, 20_000, materials=False, policy_id=8)["timeline"][-1]["provisional"] is False


def test_answering_an_action_reads_only_its_stages_and_history(engine):
    application_id = submit(engine, 20_000, materials=True)["id"]
    statements: list[str] = []
    with engine.begin() as connection:
        moved = hall.act(connection, application_id, "accept", CLERK, comment=None, amount=None, now=NOW,
                         calendar=CALENDAR)
        _count_statements(connection, statements)
        hall.answer(connection, moved, NOW)
    assert len(statements) == 2 and all(statement.lstrip().upper().startswith("SELECT") for statement in statements)
    assert not any("FROM applications" in statement for statement in statements)


def test_answering_a_new_application_reads_nothing(engine):
    with engine.begin() as connection:
        opened = hall.open_application(connection, terms(20_000), note=None, checked_materials=[], actor=CLERK,
                                       now=NOW, calendar=CALENDAR)
        statements: list[str] = []
        _count_statements(connection, statements)
        assert hall.answer(connection, opened, NOW)["id"] == opened.application_id
    assert statements == []


def _count_statements(connection: Connection, into: list[str]) -> None:
    event.listen(connection, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: into.append(statement))



def test_department_staff_see_only_what_was_routed_to_them(engine):
    cases = [("withdrawn offer", [("withdraw", SYSTEM)], True),
             ("returned by the window", [("return", CLERK)], False),
             ("waiting at the window", [], False),
             ("in review", [("accept", CLERK)], False),
             ("returned by the department", [("accept", CLERK), ("return", REVIEWER)], False),
             ("rejected in review", [("accept", CLERK), ("reject", REVIEWER)], False)]
    ids = {}
    for number, (name, steps, proactive) in enumerate(cases):   # a policy each: one open application per pair
        ids[name] = submit(engine, 20_000, materials=False, proactive=proactive, policy_id=100 + number)["id"]
        for action, actor in steps:
            act(engine, ids[name], action, actor)
    with engine.connect() as connection:
        seen = hall.listing(connection, NOW, actor=REVIEWER, status=None, overdue=None, policy_id=None, limit=50,
                            offset=0)
        counted = hall.statistics(connection, REVIEWER)["total"]
        everything = hall.listing(connection, NOW, actor=CLERK, status=None, overdue=None, policy_id=None,
                                  limit=50, offset=0)["total"]
    routed = {ids[name] for name in ("in review", "returned by the department", "rejected in review")}
    assert {item["id"] for item in seen["items"]} == routed
    assert seen["total"] == counted == len(routed) and everything == len(cases)
