"""Rectifications (整改交办) through the evaluation service's RPC, on SQLite and PostgreSQL: the city administrator
issues one to a unit, its staff report and complete it, the administrator reopens or verifies it, every step is
kept in its history, a step the state does not allow is a 409 naming the state and the action, someone else's a
403; one not verified after its due day raises an alarm once (time travel); the next round counts it."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_waiter

from shared.clock import CHINA
from shared.contracts.events import ProblemAnswered, ProblemRaised, ProblemResolved
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from tests.integration.evaluation.world import (
    ADMIN,
    ASSESSOR,
    NOW,
    county_staff,
    enterprise,
    open_half_year,
    staff,
    uscc,
)
from tests.polling import until


@pytest.fixture
def evaluation_id(rpc, set_clock):
    set_clock(NOW)
    return open_half_year(rpc)["id"]


def issue(rpc, evaluation_id: int, unit: str = "agri", due_on: str = "2026-12-20", unit_kind: str = "department"):
    return rpc.issue_rectification(ADMIN, evaluation_id, unit_kind=unit_kind, unit=unit,
                                   problem="政策推送覆盖率低，需整改", due_on=due_on)


def test_a_rectification_goes_from_issued_to_verified_with_every_step_kept(rpc, evaluation_id):
    with pytest.raises(Forbidden):
        rpc.issue_rectification(staff("agri"), evaluation_id, unit_kind="department", unit="agri", problem="x",
                                due_on="2026-12-20")
    with pytest.raises(Invalid, match="due_on"):
        issue(rpc, evaluation_id, due_on="2026-12-01")
    with pytest.raises(Invalid, match="unit_kind"):
        issue(rpc, evaluation_id, unit_kind="policy", unit="1")
    with pytest.raises(NotFound):
        issue(rpc, evaluation_id + 1)
    issued = issue(rpc, evaluation_id)
    assert (issued["status"], issued["unit_kind"], issued["unit"], issued["due_on"], issued["overdue"]) == (
        "issued", "department", "agri", "2026-12-20", False)
    rectification_id = issued["id"]
    with pytest.raises(Forbidden):
        rpc.report_rectification(staff("finance"), rectification_id, "代为汇报")
    with pytest.raises(Forbidden):
        rpc.verify_rectification(staff("agri"), rectification_id)
    with pytest.raises(Conflict, match="issued: it cannot verify"):
        rpc.verify_rectification(ADMIN, rectification_id)
    with pytest.raises(Invalid, match="text"):
        rpc.report_rectification(staff("agri"), rectification_id, " ")
    assert rpc.report_rectification(staff("agri"), rectification_id, "已梳理问题清单")["status"] == "in_progress"
    assert rpc.complete_rectification(staff("agri"), rectification_id, "整改报告及推送记录")["status"] == "completed"
    with pytest.raises(Conflict, match="completed: it cannot progress"):
        rpc.report_rectification(staff("agri"), rectification_id, "补充")
    assert rpc.reopen_rectification(ADMIN, rectification_id, "证据不足")["status"] == "in_progress"
    rpc.complete_rectification(staff("agri"), rectification_id, "补充证据")
    verified = rpc.verify_rectification(ADMIN, rectification_id)
    assert verified["status"] == "verified" and verified["verified_at"]
    assert [(step["action"], step["text"], step["by"]["id"]) for step in verified["history"]] == [
        ("issue", "政策推送覆盖率低，需整改", "city-admin"), ("progress", "已梳理问题清单", "staff-agri"),
        ("complete", "整改报告及推送记录", "staff-agri"), ("reopen", "证据不足", "city-admin"),
        ("complete", "补充证据", "staff-agri"), ("verify", None, "city-admin")]
    with pytest.raises(Conflict, match="verified"):
        rpc.reopen_rectification(ADMIN, rectification_id, "再查")


def test_each_reads_the_rectifications_of_its_own_unit(rpc, evaluation_id):
    agri = issue(rpc, evaluation_id)
    county = issue(rpc, evaluation_id, unit="371625", unit_kind="county")
    assert [item["id"] for item in rpc.rectifications(ADMIN)["items"]] == [county["id"], agri["id"]]
    assert [item["id"] for item in rpc.rectifications(ASSESSOR, unit="agri")["items"]] == [agri["id"]]
    assert [item["id"] for item in rpc.rectifications(staff("agri"))["items"]] == [agri["id"]]
    assert [item["id"] for item in rpc.rectifications(county_staff("371625"))["items"]] == [county["id"]]
    assert rpc.rectifications(staff("finance"), evaluation_id=evaluation_id)["total"] == 0
    assert rpc.rectification(staff("agri"), agri["id"]) == agri
    with pytest.raises(Forbidden):
        rpc.rectification(staff("finance"), agri["id"])
    with pytest.raises(Forbidden):
        rpc.rectifications(enterprise(uscc(1)))


def test_one_not_verified_after_its_due_day_is_an_alarm_once(rpc, evaluation_id, time_travel, evaluation):
    late = issue(rpc, evaluation_id, due_on="2026-12-07")
    done = issue(rpc, evaluation_id, unit="371625", unit_kind="county", due_on="2026-12-07")
    rpc.complete_rectification(county_staff("371625"), done["id"], "已完成")
    rpc.verify_rectification(ADMIN, done["id"])
    time_travel(datetime(2026, 12, 8, 0, 0, 1, tzinfo=CHINA) - NOW)       # just past the end of the 7th
    [alarm] = until(lambda: rpc.alarms(staff("agri"))["items"], timeout=10, what="the alarm")
    assert (alarm["kind"], alarm["rectification_id"], alarm["department"], alarm["county"]) == (
        "rectification_overdue", late["id"], "agri", None)
    assert rpc.rectification(ADMIN, late["id"])["overdue"] is True
    time_travel(timedelta(days=2))
    with entrypoint_waiter(evaluation, "tick", timeout=10):
        pass
    assert rpc.alarms(ADMIN)["total"] == 1 and rpc.alarms(county_staff("371625"))["total"] == 0


def problem(event_type, problem_id: int, *, raised_at: datetime, answered_at: datetime | None = None,
            level: str = "county", county: str | None = "371625"):
    """A counsellors' problem event as the counselling service publishes it (docs/counselling.md)."""
    more = {} if event_type is ProblemRaised else {"version": 1}
    return event_type(problem_id=problem_id, uscc=uscc(problem_id), team_id=1 if level == "county" else 2,
                      level=level, county=county, status="open" if answered_at is None else "in_progress",
                      raised_at=raised_at, first_answered_at=answered_at,
                      answered_in_time=None if answered_at is None else answered_at <= raised_at + timedelta(hours=24),
                      occurred_at=answered_at or raised_at, **more)


def test_a_round_counts_the_rectifications_due_in_it_verified_on_time_or_not(rpc, evaluation_id, time_travel, bus):
    # Counties: each a rectification verified on time; 博兴县's counsellors answered one problem in 23 hours and
    # one in 25 (late), 惠民县's one in 2 hours; a city team's late answer belongs to no county.
    for county in ("371625", "371621"):
        rectification_id = issue(rpc, evaluation_id, unit_kind="county", unit=county, due_on="2026-12-07")["id"]
        rpc.complete_rectification(county_staff(county), rectification_id, "按期完成")
        rpc.verify_rectification(ADMIN, rectification_id)
    raised = NOW - timedelta(days=3)
    bus.send(problem(ProblemRaised, 1, raised_at=raised),
             problem(ProblemAnswered, 1, raised_at=raised, answered_at=raised + timedelta(hours=23)),
             problem(ProblemResolved, 2, raised_at=raised, answered_at=raised + timedelta(hours=25)),
             problem(ProblemRaised, 2, raised_at=raised),            # arriving after its answer changes nothing
             problem(ProblemAnswered, 3, raised_at=raised, answered_at=raised + timedelta(hours=2), county="371621"),
             problem(ProblemAnswered, 4, raised_at=raised, answered_at=raised + timedelta(hours=30), level="city",
                     county=None))
    on_time = issue(rpc, evaluation_id, unit="finance", due_on="2026-12-07")
    rpc.complete_rectification(staff("finance"), on_time["id"], "按期完成")
    late = issue(rpc, evaluation_id, due_on="2026-12-07")
    time_travel(timedelta(days=1))
    rpc.verify_rectification(ADMIN, on_time["id"])        # verified after its due day: completed in time counts
    time_travel(timedelta(days=2))
    rpc.complete_rectification(staff("agri"), late["id"], "逾期完成")
    rpc.verify_rectification(ADMIN, late["id"])
    rpc.close_round(ADMIN, evaluation_id)
    departments = rpc.results(ADMIN, evaluation_id)["departments"]
    assert [(entry["unit"], entry["rank"], entry["dimensions"]["feedback_responsiveness"])
            for entry in departments] == [("finance", 1, 100), ("agri", 2, 0)]
    counties = {entry["unit"]: entry for entry in rpc.results(ADMIN, evaluation_id)["counties"]}
    assert set(counties) == {"371625", "371621"}
    # responsiveness is the mean of the deadlines met (F1), the team's problems resolved (F2) and the enterprises
    # it served whose financing it coordinated (F3; none here): 惠民县 1 of 1 on time, 0 of 1 resolved
    assert counties["371621"]["dimensions"]["feedback_responsiveness"] == pytest.approx((100 + 0 + 0) / 3)
    # 博兴县: 2 of 3 on time (1 late answer), 1 of 2 problems resolved
    assert counties["371625"]["dimensions"]["feedback_responsiveness"] == pytest.approx((100 * 2 / 3 + 50 + 0) / 3)
