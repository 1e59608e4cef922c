"""The three evaluations (三评) end to end, on the running platform with time travel: two departments,
one that finishes its applications on time and is rated 5 stars, one whose stages go overdue and is
rated 1 star; a questionnaire the enterprises find in their inbox and answer; a self-assessment and a
third-party score each; the round ranks the first above the second, the workbook holds the same
numbers, the bad rating's follow-up becomes an alarm when overdue, and a rectification goes from
issued to verified. The clock only moves forward."""
from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta

import openpyxl
import pytest

from shared.clock import CHINA
from tests.e2e.harness import (
    ADMIN_TOKEN,
    API,
    As,
    account,
    firm,
    has_interest,
    new_marker,
    ok,
    policy_draft,
)
from tests.polling import until

pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_TIME_TRAVEL": "1", "HUIQI_PROACTIVE_CACHE_S": "0"})]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DIMENSIONS = ("supply_match", "push_coverage", "demand_enjoyment", "redemption_satisfaction",
              "feedback_responsiveness")
SOURCES = ("platform", "self", "survey", "third_party")


def now_in_china(platform) -> datetime:
    return datetime.fromisoformat(ok(platform.get("/health"))["services"]["application"]["now"]).astimezone(CHINA)


def set_clock(platform, instant: datetime) -> None:
    """To `instant` and a few seconds past it: what falls due then has fallen due."""
    ok(platform.post(f"{API}/admin/clock", {"set": instant.isoformat()}))
    ok(platform.post(f"{API}/admin/clock", {"advance": "PT5S"}))


def redeemable(staff: As, department: str, title: str, marker: str) -> int:
    draft = policy_draft(title, has_interest(marker), department=department, redeemable=True,
                         subsidy={"type": "fixed", "amount": 10_000})
    policy_id = ok(staff.post("/policies", draft), 201)["id"]
    ok(staff.post(f"/policies/{policy_id}/publish"))
    return policy_id


def due_of_open_stage(firm_as: As, application_id: int) -> datetime:
    return datetime.fromisoformat(ok(firm_as.get(f"/applications/{application_id}"))["timeline"][-1]["due_at"])


def stage_of(firm_as: As, application_id: int) -> str:
    return ok(firm_as.get(f"/applications/{application_id}"))["status"]


def test_a_round_ranks_the_department_that_served_well_above_the_one_that_did_not(platform, gov):
    admin = As(platform, ADMIN_TOKEN)
    good_code, bad_code = platform.department(), platform.department()
    good = account(platform, {"name": "按时办结的部门", "role": "department_staff", "department": good_code})
    bad = account(platform, {"name": "逾期的部门", "role": "department_staff", "department": bad_code})
    clerk = account(platform, {"name": "窗口", "role": "window_clerk"})
    assessor = account(platform, {"name": "第三方评估机构", "role": "assessor"})
    marker = new_marker()
    firms = [firm(platform, gov, "滨州评价测试有限公司", marker) for _ in range(4)]
    good_policy = redeemable(good, good_code, "按时兑现的补贴", marker)
    bad_policy = redeemable(bad, bad_code, "迟迟兑现的补贴", marker)
    for uscc, _ in firms:
        until(lambda uscc=uscc: {item["policy_id"] for item in platform.policies_of(uscc)}
              >= {good_policy, bad_policy}, what=f"{uscc} to match both policies")
    today = now_in_china(platform).date()
    evaluation = ok(admin.post("/evaluations", {
        "name": f"{today.year}年惠企政策落实三评（测试）", "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=200)).isoformat(),
        "weights": dict(zip(DIMENSIONS, (0.2, 0.2, 0.2, 0.2, 0.2), strict=True)),
        "source_weights": dict(zip(SOURCES, (0.4, 0.2, 0.2, 0.2), strict=True))}), 201)
    evaluation_id = evaluation["id"]

    # the good department's two applications: accepted, approved and disbursed within their limits
    material = {"name": "申请表", "filename": "form.pdf", "content_base64": base64.b64encode(PDF).decode()}
    applications = {}
    for (uscc, me), policy_id in zip(firms, (good_policy, good_policy, bad_policy, bad_policy), strict=True):
        applications[uscc] = ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc,
                                                          "materials": [material]}), 201)["id"]
        ok(clerk.act(applications[uscc], "accept"))
    good_ids = [applications[uscc] for uscc, _ in firms[:2]]
    bad_ids = [applications[uscc] for uscc, _ in firms[2:]]
    for application_id in good_ids:
        assert ok(good.act(application_id, "approve", amount=10_000))["status"] == "public_notice"
    # the bad department lets its review run past due, then approves
    set_clock(platform, due_of_open_stage(firms[2][1], bad_ids[0]))
    for application_id in bad_ids:
        assert ok(bad.act(application_id, "approve", amount=10_000))["status"] == "public_notice"
    # every notice ends; the good department disburses at once, the bad one only after its limit
    set_clock(platform, max(due_of_open_stage(me, applications[uscc]) for uscc, me in firms))
    for uscc, me in firms:
        until(lambda me=me, uscc=uscc: stage_of(me, applications[uscc]) == "disbursement", timeout=30,
              what="the notice to end")
    for application_id in good_ids:
        assert ok(good.act(application_id, "disburse"))["status"] == "completed"
    set_clock(platform, due_of_open_stage(firms[2][1], bad_ids[0]))
    for application_id in bad_ids:
        assert ok(bad.act(application_id, "disburse"))["status"] == "completed"

    # ratings: 5 stars for the good department's push and application, 1 for the bad one's
    follow_ups = []
    for index, (uscc, me) in enumerate(firms):
        stars = 5 if index < 2 else 1
        policy_id = good_policy if index < 2 else bad_policy
        pushed = ok(me.post("/ratings", {"subject": "push", "policy_id": policy_id, "stars": stars}), 201)
        rated = ok(me.post("/ratings", {"subject": "application", "application_id": applications[uscc],
                                        "stars": stars, "comment": "办理及时" if stars == 5 else "拖了很久"}), 201)
        for rating in (pushed, rated):
            assert (rating["follow_up"] is None) == (stars == 5)
            follow_ups += [rating["follow_up"]] if rating["follow_up"] else []
    assert len(follow_ups) == 4
    # an enterprise rates only its own application, and a push it received
    other = firms[0][1].post("/ratings", {"subject": "application", "application_id": bad_ids[0], "stars": 5})
    assert other.status_code == 403, other.text
    listed = ok(bad.get("/follow-ups", status="open"))
    assert {item["id"] for item in listed["items"]} >= {follow_up["id"] for follow_up in follow_ups}
    assert good.get("/follow-ups", status="open").json()["total"] == 0

    # the questionnaire reaches every enterprise in scope through its inbox, and is answered once each
    ok(admin.post(f"/evaluations/{evaluation_id}/survey", {"questions": [
        {"text": "政策兑现是否及时？", "dimension": "redemption_satisfaction"},
        {"text": "部门对诉求的回应是否迅速？", "dimension": "feedback_responsiveness"}]}))
    for index, (uscc, me) in enumerate(firms):
        until(lambda uscc=uscc: any(item["kind"] == "survey" and item["evaluation_id"] == evaluation_id
                                    for item in platform.notifications_of(uscc)), what=f"{uscc}'s questionnaire")
        answers = [5, 5] if index < 2 else [2, 1]
        ok(me.post(f"/evaluations/{evaluation_id}/survey/responses", {"answers": answers}), 201)
        again = me.post(f"/evaluations/{evaluation_id}/survey/responses", {"answers": answers})
        assert again.status_code == 409, again.text

    # the departments assess themselves; a third party assesses both
    for staff, code, score in ((good, good_code, 90), (bad, bad_code, 85)):
        ok(staff.post(f"/evaluations/{evaluation_id}/self-assessments", {
            "unit": code, "scores": dict.fromkeys(DIMENSIONS, score), "evidence": "年度工作总结"}), 201)
    assert bad.post(f"/evaluations/{evaluation_id}/self-assessments", {
        "unit": good_code, "scores": dict.fromkeys(DIMENSIONS, 100), "evidence": "x"}).status_code == 403
    for code, score in ((good_code, 80), (bad_code, 50)):
        ok(assessor.post(f"/evaluations/{evaluation_id}/assessments", {
            "unit": code, "scores": dict.fromkeys(DIMENSIONS, score), "evidence": "抽样回访记录"}), 201)

    # the bad rating's follow-up, left open past its due time, is an alarm to the bad department
    set_clock(platform, max(datetime.fromisoformat(follow_up["due_at"]) for follow_up in follow_ups))

    def follow_up_alarms(caller: As) -> list[dict]:
        return [alarm for alarm in ok(caller.get("/alarms", limit=200))["items"]
                if alarm["kind"] == "follow_up_overdue"]
    alarmed = until(lambda: (lambda found: found if len(found) == 4 else None)(follow_up_alarms(bad)), timeout=30,
                    what="the follow-up alarms")
    assert {alarm["follow_up_id"] for alarm in alarmed} == {follow_up["id"] for follow_up in follow_ups}
    assert follow_up_alarms(good) == []
    closed = ok(bad.post(f"/follow-ups/{follow_ups[0]['id']}/close", {"outcome": "已电话回访，承诺加快办理"}))
    assert closed["status"] == "closed"

    # closing the round ranks the good department first, in JSON and in the workbook
    ok(admin.post(f"/evaluations/{evaluation_id}/close"))
    results = ok(admin.get(f"/evaluations/{evaluation_id}/results"))
    by_unit = {entry["unit"]: entry for entry in results["departments"]}
    assert by_unit[good_code]["rank"] < by_unit[bad_code]["rank"], results["departments"]
    assert by_unit[good_code]["score"] > by_unit[bad_code]["score"]
    for entry in (by_unit[good_code], by_unit[bad_code]):
        best, worst = entry["rank_range"]
        assert best <= entry["rank"] <= worst
        assert entry["sources"]["self"] is not None and entry["sources"]["third_party"] is not None
        assert entry["sources"]["survey"] is not None and entry["sources"]["platform"] is not None
    good_dimensions, bad_dimensions = by_unit[good_code]["dimensions"], by_unit[bad_code]["dimensions"]
    assert good_dimensions["redemption_satisfaction"] > bad_dimensions["redemption_satisfaction"]
    assert good_dimensions["feedback_responsiveness"] > bad_dimensions["feedback_responsiveness"]
    policies = {entry["unit"]: entry for entry in results["policies"]}
    assert policies[str(good_policy)]["rank"] < policies[str(bad_policy)]["rank"]

    workbook_answer = admin.http.get(f"{admin.url}/evaluations/{evaluation_id}/results.xlsx", timeout=30)
    assert workbook_answer.status_code == 200, workbook_answer.text[:300]
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_answer.content), read_only=True)
    assert {"部门排名", "县区排名", "政策得分", "权重"} <= set(workbook.sheetnames)
    rows = list(workbook["部门排名"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    for code in (good_code, bad_code):
        row = next(row for row in body if code in row)
        assert row[header.index("排名")] == by_unit[code]["rank"]
        assert row[header.index("综合得分")] == pytest.approx(by_unit[code]["score"])

    # a rectification for the bad department: issued, reported, completed, verified
    due_on = (now_in_china(platform).date() + timedelta(days=30)).isoformat()
    issued = ok(admin.post("/rectifications", {"evaluation_id": evaluation_id, "unit": bad_code,
                                               "problem": "审核和兑付环节多次超期", "due_on": due_on}), 201)
    rectification_id = issued["id"]
    assert issued["status"] == "issued"
    assert good.post(f"/rectifications/{rectification_id}/progress", {"text": "x"}).status_code == 403
    assert ok(bad.post(f"/rectifications/{rectification_id}/progress", {"text": "已梳理超期原因"}))["status"] \
        == "in_progress"
    assert admin.post(f"/rectifications/{rectification_id}/verify").status_code == 409   # not completed yet
    assert ok(bad.post(f"/rectifications/{rectification_id}/complete", {"evidence": "新的限时办结制度"}))["status"] \
        == "completed"
    verified = ok(admin.post(f"/rectifications/{rectification_id}/verify"))
    assert verified["status"] == "verified"
    assert [step["action"] for step in verified["history"]][-3:] == ["progress", "complete", "verify"]
