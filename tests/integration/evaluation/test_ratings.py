"""Ratings (好差评) and their follow-ups (差评回访) through the evaluation service's RPC, on SQLite and PostgreSQL:
who may rate what (403, 409), a rating again replaces the stars and keeps the earlier in its history, a low one
opens a follow-up due at the end of the 5th working day, its department closes it, and one left open past due
raises an alarm once (time travel), visible to the responsible staff only; a loaded calendar counts it again."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_waiter

from shared.clock import CHINA
from shared.contracts.events import CalendarHoliday, CalendarLoaded
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from tests.integration.evaluation.world import (
    ADMIN,
    ASSESSOR,
    CLERK,
    county_staff,
    enterprise,
    matched,
    moved,
    published,
    staff,
    uscc,
)
from tests.polling import until

A, B = uscc(1), uscc(2)
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=CHINA)
# five working days after Sunday 6 December 2026: Friday the 11th, to its end
DUE = datetime(2026, 12, 11, 23, 59, 59, tzinfo=CHINA)


@pytest.fixture
def facts(bus, set_clock):
    """Policy 7 (finance, city level) and 8 (agriculture, county level in Boxing); A matched to both; A's
    application 5 of policy 7 under review, B's application 6 completed."""
    set_clock(SUNDAY)
    at = SUNDAY - timedelta(days=20)
    bus.send(published(7, at=at), published(8, at=at, department="agri", level="county", county="371625"))
    bus.send(matched({7: [A], 8: [A]}, at=at + timedelta(days=1)))
    bus.send(moved(5, 7, A, None, "review", at=at + timedelta(days=2), action="submit"),
             moved(6, 7, B, "disbursement", "completed", at=at + timedelta(days=3), action="disburse"))


def test_only_an_enterprise_rates_what_it_received_or_its_finished_application(rpc, facts, bus):
    with pytest.raises(Forbidden):
        rpc.rate(CLERK, subject="push", policy_id=7, stars=5)
    with pytest.raises(Conflict, match="never matched"):
        rpc.rate(enterprise(B), subject="push", policy_id=7, stars=5)
    with pytest.raises(Forbidden, match="another enterprise"):
        rpc.rate(enterprise(A), subject="application", application_id=6, stars=5)
    with pytest.raises(Conflict, match="review"):
        rpc.rate(enterprise(A), subject="application", application_id=5, stars=5)
    with pytest.raises(NotFound):
        rpc.rate(enterprise(A), subject="application", application_id=99, stars=5)
    with pytest.raises(NotFound):
        rpc.rate(enterprise(A), subject="push", policy_id=99, stars=5)
    for wrong in ({"stars": 6}, {"stars": 0}, {"stars": 3, "application_id": 5}):
        with pytest.raises(Invalid):
            rpc.rate(enterprise(A), subject="push", **{"policy_id": 7, **wrong})
    bus.send(moved(5, 7, A, "review", "rejected", at=SUNDAY - timedelta(days=1), action="reject"))
    rating = rpc.rate(enterprise(A), subject="application", application_id=5, stars=4, comment="审核及时")
    assert (rating["subject"], rating["policy_id"], rating["department"], rating["follow_up"]) == (
        "application", 7, "finance", None)


def test_a_rating_again_replaces_it_and_keeps_the_earlier_in_its_history(rpc, facts):
    first = rpc.rate(enterprise(A), subject="push", policy_id=7, stars=2, comment="推送不及时")
    follow_up = first["follow_up"]
    assert follow_up == {"id": follow_up["id"], "status": "open", "due_at": follow_up["due_at"],
                         "due_provisional": False, "outcome": None, "closed_at": None}
    assert datetime.fromisoformat(first["follow_up"]["due_at"]) == DUE
    again = rpc.rate(enterprise(A), subject="push", policy_id=7, stars=1, comment="仍未解决")
    assert again["id"] == first["id"] and again["stars"] == 1
    assert again["follow_up"]["id"] == first["follow_up"]["id"], "the open follow-up stays the one"
    assert [(entry["stars"], entry["comment"]) for entry in again["history"]] == [(2, "推送不及时")]
    page = rpc.ratings(staff("finance"))
    assert (page["total"], page["average"]) == (1, {"count": 1, "stars": 1.0})
    assert rpc.ratings(staff("agri"))["total"] == 0
    assert rpc.ratings(enterprise(B))["total"] == 0
    assert rpc.ratings(ASSESSOR, stars=1)["total"] == 1


def test_the_department_closes_a_follow_up_and_the_enterprise_sees_the_outcome(rpc, facts):
    rating = rpc.rate(enterprise(A), subject="push", policy_id=7, stars=1)
    follow_up_id = rating["follow_up"]["id"]
    [listed] = rpc.follow_ups(staff("finance"), status="open")["items"]
    assert (listed["id"], listed["rating_id"], listed["overdue"]) == (follow_up_id, rating["id"], False)
    with pytest.raises(Forbidden):
        rpc.close_follow_up(staff("agri"), follow_up_id, "已回访")
    with pytest.raises(Invalid):
        rpc.close_follow_up(staff("finance"), follow_up_id, "  ")
    closed = rpc.close_follow_up(staff("finance"), follow_up_id, "已电话回访，问题已解决")
    assert (closed["status"], closed["outcome"]) == ("closed", "已电话回访，问题已解决")
    with pytest.raises(Conflict, match="closed"):
        rpc.close_follow_up(ADMIN, follow_up_id, "再次")
    [seen] = rpc.ratings(enterprise(A))["items"]
    assert (seen["follow_up"]["status"], seen["follow_up"]["outcome"]) == ("closed", "已电话回访，问题已解决")


def test_an_open_follow_up_past_due_is_an_alarm_once_to_its_staff(rpc, facts, time_travel, evaluation):
    county_rating = rpc.rate(enterprise(A), subject="push", policy_id=8, stars=1)
    closed = rpc.rate(enterprise(A), subject="push", policy_id=7, stars=2)
    rpc.close_follow_up(ADMIN, closed["follow_up"]["id"], "已处理")
    assert rpc.alarms(ADMIN)["total"] == 0
    time_travel(timedelta(days=6))          # Saturday the 12th: Friday's end has passed
    page = until(lambda: (found := rpc.alarms(ADMIN))["total"] and found, timeout=10, what="the alarm")
    [alarm] = page["items"]
    assert (alarm["kind"], alarm["follow_up_id"], alarm["department"], alarm["county"]) == (
        "follow_up_overdue", county_rating["follow_up"]["id"], "agri", "371625")
    assert datetime.fromisoformat(alarm["due_at"]) == DUE
    assert rpc.alarms(staff("agri"))["total"] == 1 and rpc.alarms(county_staff("371625"))["total"] == 1
    assert rpc.alarms(staff("finance"))["total"] == 0 and rpc.alarms(county_staff("371602"))["total"] == 0
    with pytest.raises(Forbidden):
        rpc.alarms(enterprise(A))
    assert rpc.follow_ups(county_staff("371625"))["items"][0]["overdue"] is True
    time_travel(timedelta(days=3))
    with entrypoint_waiter(evaluation, "tick", timeout=10):
        pass
    assert rpc.alarms(ADMIN)["total"] == 1


def test_a_loaded_calendar_counts_the_follow_ups_due_again(rpc, facts, bus):
    rating = rpc.rate(enterprise(A), subject="push", policy_id=7, stars=1)
    assert datetime.fromisoformat(rating["follow_up"]["due_at"]) == DUE
    # a made-up arrangement: 7 and 8 December off, so the 5th working day is Tuesday the 15th
    bus.send(CalendarLoaded(year=2026, revision=1, notice="测试通知", workdays=[],
                            holidays=[CalendarHoliday(first=date(2026, 12, 7), last=date(2026, 12, 8), name="测试")]))
    [follow_up] = rpc.follow_ups(ADMIN)["items"]
    assert datetime.fromisoformat(follow_up["due_at"]) == datetime(2026, 12, 15, 23, 59, 59, tzinfo=CHINA)
