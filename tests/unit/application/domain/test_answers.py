"""The application as its readers see it, from its row, stages and history."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from services.application.domain import answers

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CLERK = {"role": "window_clerk", "id": "clerk"}


def row(**changes) -> SimpleNamespace:
    return SimpleNamespace(**{
        "id": 3, "policy_id": 7, "policy_title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
        "uscc": "913716000000000017", "enterprise_name": "滨州测试有限公司", "proactive": False, "stage": "review",
        "amount": Decimal("20000.00"), "created_at": NOW, "updated_at": NOW, "form": {"employees": 40},
        "note": None, "material_list": [{"name": "申请表"}], **changes})


def stage(name: str, entered: datetime, due: datetime | None, completed: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(stage=name, entered_at=entered, due_at=due, completed_at=completed,
                           actor=completed and CLERK, due_provisional=False)


def test_an_open_application_shows_its_due_time_lateness_and_who_acts_next():
    timeline = [stage("acceptance", NOW - timedelta(days=3), NOW - timedelta(days=2), NOW - timedelta(days=1)),
                stage("review", NOW - timedelta(days=1), NOW - timedelta(hours=1))]
    history = [SimpleNamespace(action="accept", from_stage="acceptance", to_stage="routing", actor=CLERK,
                               comment=None, amount=None, at=NOW - timedelta(days=1))]
    shown = answers.application(row(), timeline, history, NOW)
    assert shown["status"] == "review" and shown["overdue"] is True
    assert shown["due_at"] == (NOW - timedelta(hours=1)).isoformat()
    assert [entry["overdue"] for entry in shown["timeline"]] == [True, True]   # the first was completed late
    assert shown["next"].startswith("政策主管部门审核")
    assert shown["materials"] == [{"name": "申请表"}] and shown["form"] == {"employees": 40}
    assert shown["history"] == [{"action": "accept", "from": "acceptance", "to": "routing", "actor": CLERK,
                                 "comment": None, "amount": None, "at": (NOW - timedelta(days=1)).isoformat()}]


def test_a_finished_application_has_no_due_time_and_nobody_acts_next():
    timeline = [stage("disbursement", NOW - timedelta(days=3), NOW + timedelta(days=5), NOW),
                stage("completed", NOW, None)]
    shown = answers.application(row(stage="completed"), timeline, [], NOW)
    assert (shown["due_at"], shown["next"], shown["overdue"]) == (None, None, False)


def test_a_listed_item_is_the_summary_with_its_open_stage_s_due_time():
    item = answers.listed(SimpleNamespace(**vars(row()), due_at=NOW - timedelta(minutes=1), due_provisional=False),
                          NOW)
    assert item == {**answers.summary(row()), "due_at": (NOW - timedelta(minutes=1)).isoformat(),
                    "provisional": False, "overdue": True, "next": answers.next_actor("review")}
    assert item["next"].startswith("政策主管部门审核")
    assert answers.listed(SimpleNamespace(**vars(row()), due_at=None, due_provisional=None), NOW)["overdue"] is False
    assert item["status"] == item["stage"] == "review"   # what `?status=` filters on, named as in the answer


def test_statistics_give_the_proactive_share_of_completed_redemptions():
    counted = answers.statistics({"completed": 8, "review": 3, "rejected": 1}, 2, Decimal("160000.00"))
    assert counted == {"total": 12, "by_stage": {"completed": 8, "review": 3, "rejected": 1}, "completed": 8,
                       "proactive_completed": 2, "proactive_share": 0.25, "disbursed_amount": Decimal("160000.00")}
    assert answers.statistics({"review": 1}, 0, Decimal("0.00"))["proactive_share"] is None


def test_a_listed_item_marks_a_provisional_due_time_and_nobody_next_once_over():
    counted_provisionally = SimpleNamespace(**vars(row()), due_at=NOW + timedelta(days=2), due_provisional=True)
    assert answers.listed(counted_provisionally, NOW)["provisional"] is True
    finished = SimpleNamespace(**vars(row(stage="completed")), due_at=None, due_provisional=None)
    assert (answers.listed(finished, NOW)["provisional"], answers.listed(finished, NOW)["next"]) == (False, None)


def test_an_application_marks_its_open_stage_s_provisional_due_time():
    provisional = stage("review", NOW, NOW + timedelta(days=3))
    provisional.due_provisional = True
    assert answers.application(row(), [provisional], [], NOW)["provisional"] is True
    provisional.completed_at = NOW
    assert answers.application(row(), [provisional], [], NOW)["provisional"] is False


def _application(stage: str, **owner) -> dict:
    return {"stage": stage, "uscc": "913716024JURQ28300", "department": "hrss", "level": "city", "county": None,
            **owner}


def test_each_caller_is_offered_what_the_lifecycle_lets_it_ask_for():
    from shared.contracts.actors import Actor, Role

    clerk = Actor(role=Role.window_clerk, id="staff-1")
    own = Actor(role=Role.department_staff, id="staff-2", department="hrss")
    other = Actor(role=Role.department_staff, id="staff-3", department="finance")
    county = Actor(role=Role.county_staff, id="staff-4", county="371625")
    admin = Actor(role=Role.city_admin, id="city-admin")
    applicant = Actor(role=Role.enterprise, id="enterprise-1", uscc="913716024JURQ28300")
    stranger = Actor(role=Role.enterprise, id="enterprise-2", uscc="91371600000000000X")
    assert answers.offered(_application("acceptance"), clerk) == ["accept", "return"]
    assert answers.offered(_application("acceptance"), own) == []
    assert answers.offered(_application("review"), own) == ["return", "approve", "reject"]
    assert answers.offered(_application("review"), other) == []
    assert answers.offered(_application("review"), admin) == ["return", "approve", "reject"]
    assert answers.offered(_application("review", level="county", county="371625"), county) == \
        ["return", "approve", "reject"]
    assert answers.offered(_application("review"), county) == []
    assert answers.offered(_application("disbursement"), own) == ["disburse"]
    assert answers.offered(_application("objection"), own) == ["approve", "reject"]
    assert answers.offered(_application("confirmation"), applicant) == ["confirm"]
    assert answers.offered(_application("returned"), applicant) == ["resubmit"]
    assert answers.offered(_application("public_notice"), applicant) == []
    assert answers.offered(_application("public_notice"), stranger) == ["object"]
    assert answers.offered(_application("public_notice"), clerk) == ["object"]
    # the platform's own moves (the end of a notice, withdrawing an offer) are never offered
    assert answers.offered(_application("completed"), admin) == []
    assert "withdraw" not in answers.offered(_application("confirmation"), admin)
