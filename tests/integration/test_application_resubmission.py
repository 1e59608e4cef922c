"""A return for more material is answered by a resubmission that carries it, on SQLite and PostgreSQL:
each material replaces the one of its name or is added, at most three in all."""
from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from services.application import hall
from services.application.domain.materials import check_materials
from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.errors import Invalid

CALENDAR = workdays.seeded()

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
USCC = "913716000000000017"
CLERK = Actor(role=Role.window_clerk, id="clerk")
ENTERPRISE = Actor(role=Role.enterprise, id="owner", uscc=USCC)


def pdf(name: str, filename: str | None = None) -> dict:
    content = b"%PDF-1.4\n%" + name.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return {"name": name, "filename": filename or f"{name}.pdf", "content_base64": base64.b64encode(content).decode()}


def terms() -> dict:
    policy = {"id": 7, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
              "status": "published", "redeemable": True, "exclusive_group": None, "stage_limits": {},
              "budget": 1_000_000, "version": 1}
    return {"policy": policy, "uscc": USCC, "matched": True, "missing": [], "estimated_amount": 20_000,
            "profile": {"name": "滨州测试有限公司"}}


@pytest.fixture
def engine(service_engine):
    return service_engine("application")


def returned_application(engine, *materials: dict) -> int:
    with engine.begin() as connection:
        opened = hall.open_application(connection, terms(), note=None, actor=CLERK, now=NOW,
                                       checked_materials=check_materials(list(materials)), calendar=CALENDAR)
        hall.act(connection, opened.application_id, "return", CLERK, comment="缺社保证明", amount=None,
                 now=NOW, calendar=CALENDAR)
    return opened.application_id


def resubmit(engine, application_id: int, *materials: dict) -> dict:
    later = NOW + timedelta(hours=2)
    with engine.begin() as connection:
        moved = hall.act(connection, application_id, "resubmit", ENTERPRISE, comment="已补充", amount=None,
                         now=later, checked_materials=check_materials(list(materials)), calendar=CALENDAR)
        answered = hall.answer(connection, moved, later)
    with engine.connect() as connection:
        assert hall.get(connection, application_id, later) == answered
    return answered


def test_a_resubmission_adds_and_replaces_materials(engine):
    application_id = returned_application(engine, pdf("营业执照", "旧执照.pdf"), pdf("申请表"))
    answered = resubmit(engine, application_id, pdf("营业执照", "新执照.pdf"), pdf("社保证明"))
    assert answered["status"] == "acceptance"
    assert [(item["name"], item["filename"]) for item in answered["materials"]] == [
        ("营业执照", "新执照.pdf"), ("申请表", "申请表.pdf"), ("社保证明", "社保证明.pdf")]


def test_more_than_three_in_all_is_refused_naming_the_field_and_nothing_moves(engine):
    application_id = returned_application(engine, pdf("营业执照"), pdf("申请表"))
    with pytest.raises(Invalid) as refused, engine.begin() as connection:
        hall.act(connection, application_id, "resubmit", ENTERPRISE, comment=None, amount=None, now=NOW,
                 checked_materials=check_materials([pdf("社保证明"), pdf("承诺书")]), calendar=CALENDAR)
    assert refused.value.details[0]["field"] == "materials"
    with engine.connect() as connection:
        application = hall.get(connection, application_id, NOW)
    assert application["status"] == "returned" and len(application["materials"]) == 2


def test_materials_come_with_a_resubmission_only(engine):
    with engine.begin() as connection:
        opened = hall.open_application(connection, terms(), note=None, checked_materials=[], actor=CLERK,
                                       now=NOW, calendar=CALENDAR)
    with pytest.raises(Invalid) as refused, engine.begin() as connection:
        hall.act(connection, opened.application_id, "accept", CLERK, comment=None, amount=None, now=NOW,
                 checked_materials=check_materials([pdf("社保证明")]), calendar=CALENDAR)
    assert refused.value.details == [{"field": "materials", "message": "only with action resubmit"}]
