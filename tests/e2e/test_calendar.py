"""The working-day calendar end to end (contract section 13): at the end of the last official year an
application walks through stages that fall due in the next, provisional, year; the city administrator loads
that year's arrangement at run time and every due time counted across it moves, in the application service
and in the policy service (questions). The platform runs with time travel on; the clock only moves forward.
"""
from __future__ import annotations

import pytest

from tests.e2e.harness import API, enterprise_event, has_interest, new_marker, new_uscc, policy_draft
from tests.e2e.test_application_hall import As, account, ok
from tests.polling import eventually, until

pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_TIME_TRAVEL": "1"})]
# made up for the test (the real notice for 2027 is not out): 元旦 1-4 January, Saturday 9 January worked
ARRANGEMENT_2027 = {"notice": "国办发明电〔2026〕99号", "holidays": [["2027-01-01", "2027-01-04", "元旦"]],
                    "workdays": ["2027-01-09"]}


def set_clock(platform, moment: str) -> None:
    ok(platform.post(f"{API}/admin/clock", {"set": moment}))


def stages_of(me: As, application_id: int) -> list[tuple[str, str | None, bool]]:
    return [(entry["stage"], entry["due_at"], entry["provisional"])
            for entry in ok(me.get(f"/applications/{application_id}"))["timeline"]]


def test_stages_due_in_a_provisional_year_move_when_its_arrangement_is_loaded(platform, gov):
    set_clock(platform, "2026-12-28T09:00:00+08:00")
    health = ok(platform.get("/health"))
    assert any("2027" in warning for warning in health["warnings"]), health["warnings"]
    assert ok(platform.get(f"{API}/calendar/2027"))["source"] == "provisional"
    official_2026 = ok(platform.get(f"{API}/calendar/2026"))
    assert official_2026["source"] == "official" and official_2026["notice"].startswith("国办发明电")

    department = platform.department()
    clerk = account(platform, {"name": "窗口", "role": "window_clerk"})
    reviewer = account(platform, {"name": "科室", "role": "department_staff", "department": department})
    marker = new_marker()
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": "滨州日历测试有限公司", "employees": 40,
                                                                 "interests": [marker]}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    me = account(platform, {}, f"/enterprises/{uscc}/accounts")
    draft = policy_draft("稳岗补贴", has_interest(marker), department=department, redeemable=True,
                         subsidy={"type": "fixed", "amount": 10_000})
    policy_id = ok(reviewer.post("/policies", draft), 201)["id"]
    ok(reviewer.post(f"/policies/{policy_id}/publish"))
    until(lambda: any(item["policy_id"] == policy_id for item in platform.policies_of(uscc)),
          what="the enterprise to match")

    application_id = ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc, "materials": []}), 201)["id"]
    ok(clerk.act(application_id, "accept"))
    # review: 5 working days from Monday 28 December, 1 January (元旦) skipped provisionally
    assert stages_of(me, application_id) == [
        ("acceptance", "2026-12-29T15:59:59+00:00", False), ("routing", "2026-12-29T15:59:59+00:00", False),
        ("review", "2027-01-05T15:59:59+00:00", True)]
    set_clock(platform, "2026-12-31T09:00:00+08:00")
    ok(reviewer.act(application_id, "approve"))
    question = ok(me.post(f"/policies/{policy_id}/questions", {"text": "元旦后何时公示结束？"}), 201)
    assert (question["due_at"], question["provisional"]) == ("2027-01-05T15:59:59+00:00", True)
    assert stages_of(me, application_id)[-1] == ("public_notice", "2027-01-08T15:59:59+00:00", True)

    assert clerk.http.put(f"{clerk.url}/calendar/2027", json=ARRANGEMENT_2027, timeout=30).status_code == 403
    refused = platform.http.put(f"{platform.url}{API}/calendar/2027", timeout=30,
                                json={**ARRANGEMENT_2027, "workdays": ["2027-01-11"]})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "workdays[0]"
    loaded = ok(platform.http.put(f"{platform.url}{API}/calendar/2027", json=ARRANGEMENT_2027, timeout=30))
    assert (loaded["source"], loaded["notice"], loaded["revision"]) == ("official", ARRANGEMENT_2027["notice"], 1)
    assert loaded["holidays"] == [["2027-01-01", "2027-01-04", "元旦"]] and loaded["workdays"] == ["2027-01-09"]

    # review: 29, 30, 31 December, then 5 and 6 January; the notice: 5, 6, 7, 8 and Saturday 9 January
    until(lambda: stages_of(me, application_id)[2:] == [("review", "2027-01-06T15:59:59+00:00", False),
                                                        ("public_notice", "2027-01-09T15:59:59+00:00", False)],
          timeout=30, what="the stages' due times to be counted on the loaded year")

    def question_recounted():
        listed = ok(me.get(f"/policies/{policy_id}/questions"))["items"]
        assert [(item["due_at"], item["provisional"]) for item in listed] == [("2027-01-06T15:59:59+00:00", False)]
    eventually(question_recounted, timeout=30, what="the question's due time to be counted on the loaded year")
    assert ok(platform.get(f"{API}/calendar/2027"))["source"] == "official"
    assert ok(platform.get("/health"))["warnings"] == []

    # the notice ends by itself in the new year, and the alarm pass goes on
    set_clock(platform, "2027-01-11T09:00:00+08:00")
    until(lambda: ok(me.get(f"/applications/{application_id}"))["status"] == "disbursement", timeout=30,
          what="the public notice to end in 2027")
