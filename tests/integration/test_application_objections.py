"""Objections in the hall, on SQLite and PostgreSQL: each objector once, a comment always, and the
objector's answer is the public record."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.application import hall
from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.errors import Conflict, Forbidden, Invalid
from tests.integration.test_application_answers import CLERK, ENTERPRISE, REVIEWER, terms

CALENDAR = workdays.seeded()

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
RIVAL = Actor(role=Role.enterprise, id="enterprise-2", uscc="91371600000000000X")
RIVAL_OTHER_ACCOUNT = RIVAL.model_copy(update={"id": "enterprise-3"})
THIRD = Actor(role=Role.enterprise, id="enterprise-4", uscc="913716000000000025")


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


@pytest.fixture
def in_notice(engine) -> int:
    with engine.begin() as connection:
        application_id = hall.open_application(connection, terms(20_000.0), note=None, checked_materials=[],
                                               actor=CLERK, now=NOW, calendar=CALENDAR).application_id
        hall.act(connection, application_id, "accept", CLERK, comment=None, amount=None, now=NOW, calendar=CALENDAR)
        hall.act(connection, application_id, "approve", REVIEWER, comment=None, amount=None, now=NOW, calendar=CALENDAR)
    return application_id


def act(engine, application_id: int, action: str, actor: dict, comment: str | None = "意见"):
    with engine.begin() as connection:
        return hall.act(connection, application_id, action, actor, comment=comment, amount=None,
                        now=NOW + timedelta(hours=1), calendar=CALENDAR)


def test_an_enterprise_objects_once_whichever_account_it_uses(engine, in_notice):
    moved = act(engine, in_notice, "object", RIVAL)
    assert moved.events[-1].to_stage == "objection"
    act(engine, in_notice, "approve", REVIEWER)   # dismissed: the notice runs again
    for actor in (RIVAL, RIVAL_OTHER_ACCOUNT):
        with pytest.raises(Conflict, match="once"):
            act(engine, in_notice, "object", actor)
    assert act(engine, in_notice, "object", THIRD).events[-1].to_stage == "objection"


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_an_objection_says_what_it_objects_to(engine, in_notice, comment):
    with pytest.raises(Invalid) as raised:
        act(engine, in_notice, "object", RIVAL, comment=comment)
    assert raised.value.details == [{"field": "comment", "message": "required for object"}]
    assert act(engine, in_notice, "object", RIVAL).events[-1].to_stage == "objection"   # nothing was counted


def test_the_applicant_never_objects(engine, in_notice):
    with pytest.raises(Forbidden):
        act(engine, in_notice, "object", ENTERPRISE)


def test_the_objector_is_answered_the_public_record(engine, in_notice):
    with engine.begin() as connection:
        moved = hall.act(connection, in_notice, "object", RIVAL, comment="员工人数存疑", amount=None,
                         now=NOW, calendar=CALENDAR)
    shown = hall.public_record(moved, comment="员工人数存疑", now=NOW)
    assert shown == {"application_id": in_notice, "policy_id": 7, "policy_title": "稳岗补贴", "department": "finance",
                     "enterprise_name": "滨州测试有限公司", "amount": 20_000.0, "status": "objection",
                     "objection": {"comment": "员工人数存疑", "at": NOW.isoformat()}}
