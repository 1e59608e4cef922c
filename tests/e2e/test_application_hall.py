"""The application hall end to end: an enterprise applies, the one window accepts, the policy's
department reviews, public notice runs its working days, the money is disbursed and the enterprise
is told; returns, objections, budgets, overdue alarms and proactive redemption (免申即享).
The platform runs with time travel on; tests move the clock forward only.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest
from sqlalchemy import select

from services.application.models import budgets
from shared.clock import CHINA
from tests.e2e.harness import (
    ADMIN_TOKEN,
    API,
    As,
    account,
    checked_session,
    enterprise_event,
    has_interest,
    new_marker,
    new_uscc,
    ok,
    policy_draft,
)
from tests.polling import eventually, until
from tests.tcp_proxy import free_port
from tools.launcher import ServiceProcesses

pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_TIME_TRAVEL": "1", "HUIQI_PROACTIVE_CACHE_S": "0"})]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def people(platform):
    department = platform.department()
    return {"department": department,
            "clerk": account(platform, {"name": "窗口", "role": "window_clerk"}),
            "reviewer": account(platform, {"name": "科室", "role": "department_staff", "department": department}),
            "outsider": account(platform, {"name": "别的科室", "role": "department_staff",
                                                   "department": platform.department()}),
            "counsellor": account(platform, {"name": "顾问", "role": "counsellor"})}


def firm(platform, gov, marker: str, **fields) -> tuple[str, As]:
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": "滨州申报测试有限公司", "employees": 40,
                                                                 "interests": [marker], **fields}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc, account(platform, {}, f"/enterprises/{uscc}/accounts")


def redeemable(platform, people, marker: str, **extra) -> int:
    draft = policy_draft("稳岗补贴", has_interest(marker), department=people["department"], redeemable=True,
                         subsidy={"type": "per_unit", "field": "employees", "rate": 1000}, **extra)
    policy_id = ok(people["reviewer"].post("/policies", draft), 201)["id"]
    ok(people["reviewer"].post(f"/policies/{policy_id}/publish"))
    return policy_id


def matched(platform, uscc: str, policy_id: int) -> None:
    until(lambda: any(item["policy_id"] == policy_id for item in platform.policies_of(uscc)),
          what=f"{uscc} to match policy {policy_id}")


def material(name: str = "营业执照") -> dict:
    return {"name": name, "filename": "licence.pdf", "content_base64": base64.b64encode(PDF).decode()}


def now_in_china(platform) -> datetime:
    return datetime.fromisoformat(ok(platform.get("/health"))["services"]["application"]["now"]).astimezone(CHINA)


def test_an_application_goes_from_submission_to_disbursement_and_the_enterprise_is_told(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    policy_id = redeemable(platform, people, marker, budget=1_000_000)
    matched(platform, uscc, policy_id)

    submitted = ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc, "materials": [material()],
                                             "note": "请审核"}), 201)
    application_id = submitted["id"]
    # 40 employees × 1,000; the answer to a submission says `submitted`, later answers the stage
    assert (submitted["status"], submitted["stage"], submitted["amount"]) == ("submitted", "acceptance", 40_000)
    assert ok(me.get(f"/applications/{submitted['id']}"))["status"] == "acceptance"
    assert submitted["form"]["employees"] == 40 and submitted["form"]["name"] == "滨州申报测试有限公司"
    assert submitted["materials"][0]["media_type"] == "application/pdf"
    assert submitted["timeline"][0]["due_at"] is not None and submitted["next"]

    refused = me.act(application_id, "accept")
    assert refused.status_code == 403 and "enterprise" in refused.json()["error"]["message"]
    assert people["reviewer"].get(f"/applications/{application_id}").status_code == 403   # not routed yet

    accepted = ok(people["clerk"].act(application_id, "accept"))
    assert accepted["status"] == "review"          # routed to the policy's department at once
    assert [entry["stage"] for entry in accepted["timeline"]] == ["acceptance", "routing", "review"]
    assert people["outsider"].act(application_id, "approve").status_code == 403
    assert ok(people["reviewer"].act(application_id, "approve", amount=30_000))["status"] == "public_notice"
    assert people["reviewer"].act(application_id, "disburse").status_code == 409   # not during the notice

    notice_due = datetime.fromisoformat(ok(me.get(f"/applications/{application_id}"))["timeline"][-1]["due_at"])
    ok(platform.post(f"{API}/admin/clock", {"set": notice_due.isoformat()}))
    ok(platform.post(f"{API}/admin/clock", {"advance": "PT5S"}))
    until(lambda: ok(me.get(f"/applications/{application_id}"))["status"] == "disbursement", timeout=30,
          what="the notice to end")
    done = ok(people["reviewer"].act(application_id, "disburse"))
    assert (done["status"], done["amount"], done["next"]) == ("completed", 30_000, None)
    assert [entry["action"] for entry in done["history"]] == [
        "submit", "accept", "route", "approve", "end_notice", "disburse"]
    until(lambda: any(item["kind"] == "application_completed" for item in platform.notifications_of(uscc)),
          what="the enterprise to be told")
    mine = ok(me.get("/applications/stats"))
    assert (mine["total"], mine["completed"], mine["proactive_share"], mine["disbursed_amount"]) == (1, 1, 0.0, 30_000)


def test_a_return_stops_the_clock_until_the_enterprise_resubmits(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    policy_id = redeemable(platform, people, marker)
    matched(platform, uscc, policy_id)
    application_id = ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc}), 201)["id"]
    returned = ok(people["clerk"].act(application_id, "return", comment="缺营业执照"))
    assert returned["status"] == "returned" and returned["timeline"][-1]["due_at"] is None
    until(lambda: any(item["kind"] == "application_returned" for item in platform.notifications_of(uscc)),
          what="the return notice")
    assert people["clerk"].act(application_id, "accept").status_code == 409
    too_many = me.act(application_id, "resubmit", materials=[material(name) for name in ("甲", "乙", "丙", "丁")])
    assert too_many.status_code == 422 and too_many.json()["error"]["details"][0]["field"] == "materials"
    back = ok(me.act(application_id, "resubmit", materials=[material("社保缴费证明")]))
    assert back["status"] == "acceptance" and back["timeline"][-1]["due_at"] is not None
    assert [item["name"] for item in ok(me.get(f"/applications/{application_id}"))["materials"]] == ["社保缴费证明"]
    not_now = people["clerk"].act(application_id, "accept", materials=[material()])
    assert not_now.status_code == 422 and not_now.json()["error"]["details"][0]["field"] == "materials"


def test_refusals_name_the_reason(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker, employees=5)
    other_uscc, _ = firm(platform, gov, marker)
    group = f"group_{marker}"
    first = redeemable(platform, people, marker, exclusive_group=group)
    second = redeemable(platform, people, marker, exclusive_group=group)
    not_for_me = redeemable(platform, people, new_marker())
    matched(platform, uscc, second)

    mismatch = me.post("/applications", {"policy_id": not_for_me, "uscc": uscc})
    assert mismatch.status_code == 409 and "does not match" in mismatch.json()["error"]["message"]
    assert me.post("/applications", {"policy_id": first, "uscc": other_uscc}).status_code == 403
    ok(me.post("/applications", {"policy_id": first, "uscc": uscc}), 201)
    rival = me.post("/applications", {"policy_id": second, "uscc": uscc})
    assert rival.status_code == 409 and group in rival.json()["error"]["message"]
    again = me.post("/applications", {"policy_id": first, "uscc": uscc})
    assert again.status_code == 409
    too_many = me.post("/applications", {"policy_id": first, "uscc": uscc, "materials": [material()] * 4})
    assert too_many.status_code == 422
    fake = {"name": "假PDF", "filename": "x.pdf", "content_base64": base64.b64encode(b"not a pdf").decode()}
    assert me.post("/applications", {"policy_id": first, "uscc": uscc, "materials": [fake]}).status_code == 422


def three_submitted(platform, gov, people) -> tuple[list[tuple[str, As]], list[int]]:
    """Three enterprises, each with an application in acceptance for one policy whose budget fits
    two approvals (40,000 each), not three."""
    marker = new_marker()
    firms = [firm(platform, gov, marker) for _ in range(3)]
    policy_id = redeemable(platform, people, marker, budget=100_000)
    ids = []
    for uscc, me in firms:
        matched(platform, uscc, policy_id)
        ids.append(ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc}), 201)["id"])
    return firms, ids


def test_approvals_never_exceed_the_budget(platform, gov, people):
    _, ids = three_submitted(platform, gov, people)
    for application_id in ids:
        ok(people["clerk"].act(application_id, "accept"))
    answers = [people["reviewer"].act(application_id, "approve") for application_id in ids]
    assert [answer.status_code for answer in answers] == [200, 200, 409]
    assert "budget" in answers[2].json()["error"]["message"]


def test_a_lowered_budget_refuses_the_next_approval_that_no_longer_fits(platform, gov, people):
    marker = new_marker()
    firms = [firm(platform, gov, marker) for _ in range(2)]
    draft = policy_draft("稳岗补贴", has_interest(marker), department=people["department"], redeemable=True,
                         subsidy={"type": "per_unit", "field": "employees", "rate": 1000}, budget=100_000)
    policy_id = ok(people["reviewer"].post("/policies", draft), 201)["id"]
    ok(people["reviewer"].post(f"/policies/{policy_id}/publish"))
    ids = []
    for uscc, me in firms:
        matched(platform, uscc, policy_id)
        ids.append(ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc}), 201)["id"])
        ok(people["clerk"].act(ids[-1], "accept"))
    ok(people["reviewer"].act(ids[0], "approve"))                 # 40,000 of 100,000
    revised = ok(people["reviewer"].http.put(f"{people['reviewer'].url}/policies/{policy_id}",
                                             json={**draft, "budget": 60_000}, timeout=30))

    def budget_row():
        with platform.engine("application").connect() as connection:
            return connection.execute(select(budgets.c.budget, budgets.c.policy_version)
                                      .where(budgets.c.policy_id == policy_id)).one()
    until(lambda: budget_row().policy_version == revised["version"], what="the revised budget to reach the hall")
    refused = people["reviewer"].act(ids[1], "approve")            # 40,000 more would make 80,000 of 60,000
    assert refused.status_code == 409, refused.text[:300]
    assert "(20000.00 of 60000.00 yuan)" in refused.json()["error"]["message"]
    assert ok(people["reviewer"].act(ids[1], "approve", amount=20_000))["amount"] == 20_000


def test_amounts_are_exact_to_the_fen_rounded_half_up(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker, rd_expense=2.675)   # a float would make it 2.67499999...: 2.67
    draft = policy_draft("研发补助", has_interest(marker), department=people["department"], redeemable=True,
                         subsidy={"type": "ratio", "field": "rd_expense", "rate": 1}, budget=1_000_000)
    policy_id = ok(people["reviewer"].post("/policies", draft), 201)["id"]
    ok(people["reviewer"].post(f"/policies/{policy_id}/publish"))
    matched(platform, uscc, policy_id)
    submitted = me.post("/applications", {"policy_id": policy_id, "uscc": uscc})
    assert submitted.status_code == 201 and '"amount":2.68,' in submitted.text
    ok(people["clerk"].act(submitted.json()["id"], "accept"))
    third_of_a_fen = people["reviewer"].act(submitted.json()["id"], "approve", amount=2.675)
    assert third_of_a_fen.status_code == 422 and third_of_a_fen.json()["error"]["details"][0]["field"] == "amount"
    approved = people["reviewer"].act(submitted.json()["id"], "approve", amount=2.67)
    assert approved.status_code == 200 and '"amount":2.67,' in approved.text


def test_staff_work_a_queue_in_batches_and_each_refusal_keeps_its_reason(platform, gov, people):
    firms, ids = three_submitted(platform, gov, people)
    missing = max(ids) + 10_000

    accepted = ok(people["clerk"].post("/applications/actions", {"action": "accept", "ids": [*ids, missing],
                                                                  "comment": "批量受理"}))
    assert (accepted["action"], accepted["done"], accepted["refused"]) == ("accept", 3, 1)
    assert [(outcome["id"], outcome["ok"], outcome.get("status")) for outcome in accepted["results"]] == [
        *((application_id, True, "review") for application_id in ids), (missing, False, None)]
    assert accepted["results"][-1]["error"]["code"] == "not_found"

    again = ok(people["clerk"].post("/applications/actions", {"action": "accept", "ids": ids[:1]}))
    assert again["refused"] == 1 and again["results"][0]["error"]["code"] == "conflict"    # already in review
    outsider = ok(people["outsider"].post("/applications/actions", {"action": "approve", "ids": ids[:1]}))
    assert outsider["results"][0]["error"]["code"] == "forbidden"

    approved = ok(people["reviewer"].post("/applications/actions", {"action": "approve", "ids": ids}))
    assert [outcome["ok"] for outcome in approved["results"]] == [True, True, False]
    assert [outcome.get("amount") for outcome in approved["results"][:2]] == [40_000, 40_000]
    assert "budget" in approved["results"][2]["error"]["message"]
    # the refused one stands untouched, the others moved exactly as one by one
    assert ok(people["reviewer"].get(f"/applications/{ids[2]}"))["status"] == "review"
    first = ok(people["reviewer"].get(f"/applications/{ids[0]}"))
    assert first["status"] == "public_notice"
    assert [entry["action"] for entry in first["history"]] == ["submit", "accept", "route", "approve"]
    assert first["history"][1]["comment"] == "批量受理"

    _, me = firms[0]
    assert me.post("/applications/actions", {"action": "confirm", "ids": ids[:1]}).status_code == 403
    repeated = people["clerk"].post("/applications/actions", {"action": "accept", "ids": [ids[0], ids[0]]})
    assert repeated.status_code == 422
    assert [(problem["field"], "repeated: " in problem["message"]) for problem in repeated.json()["error"]["details"]] \
        == [("ids", True)]
    assert people["clerk"].post("/applications/actions", {"action": "accept", "ids": []}).status_code == 422


def test_an_objection_during_public_notice_pauses_it_for_review(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    policy_id = redeemable(platform, people, marker)
    matched(platform, uscc, policy_id)
    application_id = ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc}), 201)["id"]
    ok(people["clerk"].act(application_id, "accept"))
    ok(people["reviewer"].act(application_id, "approve"))
    assert ok(people["counsellor"].act(application_id, "object", comment="员工人数存疑"))["status"] == "objection"
    assert ok(people["reviewer"].act(application_id, "reject", comment="异议成立"))["status"] == "rejected"
    until(lambda: any(item["kind"] == "application_rejected" for item in platform.notifications_of(uscc)),
          what="the outcome")


def test_another_enterprise_objects_once_and_sees_only_the_public_record(platform, gov, people):
    marker = new_marker()
    uscc, applicant = firm(platform, gov, marker, annual_revenue=12_345_678.0, total_assets=9_876_543.0,
                           rd_expense=456_789.0)
    _, rival = firm(platform, gov, new_marker())
    policy_id = redeemable(platform, people, marker)
    matched(platform, uscc, policy_id)
    application_id = ok(applicant.post("/applications", {"policy_id": policy_id, "uscc": uscc,
                                                         "materials": [material()]}), 201)["id"]
    ok(people["clerk"].act(application_id, "accept"))
    approved = ok(people["reviewer"].act(application_id, "approve"))
    assert approved["form"]["rd_expense"] == 456_789.0   # staff see the form

    assert rival.get(f"/applications/{application_id}").status_code == 403
    assert rival.act(application_id, "object").status_code == 422   # an objection says what it objects to
    objected = ok(rival.act(application_id, "object", comment="该企业员工人数存疑"))
    assert set(objected) == {"application_id", "policy_id", "policy_title", "department", "enterprise_name",
                             "amount", "status", "objection"}
    assert (objected["application_id"], objected["enterprise_name"], objected["amount"], objected["status"]) == (
        application_id, "滨州申报测试有限公司", approved["amount"], "objection")
    assert objected["objection"]["comment"] == "该企业员工人数存疑"
    for secret in (uscc, "12345678", "9876543", "456789", "licence.pdf"):
        assert secret not in json.dumps(objected), secret

    assert ok(people["reviewer"].act(application_id, "approve", comment="异议不成立"))["status"] == "public_notice"
    again = rival.act(application_id, "object", comment="再次异议")
    assert again.status_code == 409 and "once" in again.json()["error"]["message"]
    assert applicant.act(application_id, "object", comment="自己").status_code == 403
    # another objector still may, and is answered the public record too
    assert set(ok(people["counsellor"].act(application_id, "object", comment="顾问异议"))) == set(objected)


def offered(me: As, policy_id: int) -> dict:
    """The application the platform opened for the enterprise `me` under a proactive policy, once there."""
    return until(lambda: next(iter(ok(me.get("/applications", policy_id=policy_id))["items"]), None),
                 what="the proactive application")


def test_proactive_policies_open_applications_that_the_enterprise_only_confirms(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    application = offered(me, redeemable(platform, people, marker, proactive=True))
    assert (application["stage"], application["proactive"], application["amount"]) == ("confirmation", True, 40_000)
    until(lambda: any(item["kind"] == "proactive_offer" for item in platform.notifications_of(uscc)),
          what="the offer in the inbox")
    assert people["clerk"].act(application["id"], "confirm").status_code == 403
    assert ok(me.act(application["id"], "confirm"))["status"] == "acceptance"
    stats = ok(platform.get(f"{API}/applications/stats"))
    assert stats["by_stage"]["acceptance"] >= 1 and stats["total"] >= stats["completed"]


def test_a_proactive_offer_is_withdrawn_once_the_enterprise_no_longer_matches(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    kept_uscc, kept = firm(platform, gov, marker)
    policy_id = redeemable(platform, people, marker, proactive=True)
    waiting, confirmed = offered(me, policy_id), offered(kept, policy_id)
    assert ok(kept.act(confirmed["id"], "confirm"))["status"] == "acceptance"
    # both enterprises drop the interest the policy asks for: only the offer not yet confirmed is withdrawn
    for firm_as, code in ((me, uscc), (kept, kept_uscc)):
        ok(firm_as.put(f"/enterprises/{code}/interests", {"interests": []}))
    withdrawn = until(lambda: (lambda got: got if got["status"] == "rejected" else None)(
        ok(me.get(f"/applications/{waiting['id']}"))), what="the offer to be withdrawn")
    assert withdrawn["history"][-1]["action"] == "withdraw" and withdrawn["history"][-1]["actor"]["role"] == "system"
    assert withdrawn["next"] is None and withdrawn["timeline"][-1]["stage"] == "rejected"
    until(lambda: any(item["kind"] == "proactive_offer_withdrawn" for item in platform.notifications_of(uscc)),
          what="the withdrawal in the inbox")
    until(lambda: not any(item["policy_id"] == policy_id for item in platform.policies_of(kept_uscc)),
          what="the confirmed enterprise to stop matching too")
    assert ok(kept.get(f"/applications/{confirmed['id']}"))["status"] == "acceptance"   # staff decide from here
    assert me.act(waiting["id"], "confirm").status_code == 409


def test_offers_are_withdrawn_with_their_policy_even_after_the_proactive_list_was_refreshed(platform, gov, people):
    marker = new_marker()
    _, me = firm(platform, gov, marker)
    policy_id = redeemable(platform, people, marker, proactive=True)
    offer = offered(me, policy_id)
    # the platform runs with HUIQI_PROACTIVE_CACHE_S=0: the service asks for its list of proactive
    # policies every time, so the withdrawn policy is no longer on it, and its offers must still be withdrawn
    ok(people["reviewer"].post(f"/policies/{policy_id}/withdraw", {"reason": "政策调整"}))
    until(lambda: ok(me.get(f"/applications/{offer['id']}"))["status"] == "rejected" or None,
          what="the offer to be withdrawn with its policy")
    assert ok(me.get(f"/applications/{offer['id']}"))["history"][-1]["action"] == "withdraw"


def test_an_overdue_stage_raises_one_alarm_then_escalates(platform, gov, people):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    policy_id = redeemable(platform, people, marker)
    matched(platform, uscc, policy_id)
    application = ok(me.post("/applications", {"policy_id": policy_id, "uscc": uscc}), 201)
    due = datetime.fromisoformat(application["timeline"][0]["due_at"])
    ok(platform.post(f"{API}/admin/clock", {"set": due.isoformat()}))
    ok(platform.post(f"{API}/admin/clock", {"advance": "PT5S"}))

    def alarms_for(caller, kind):
        return [alarm for alarm in ok(caller.get("/alarms", limit=200))["items"]
                if alarm["application_id"] == application["id"] and alarm["kind"] == kind]
    until(lambda: alarms_for(people["clerk"], "overdue"), timeout=30, what="the alarm")
    late = ok(people["clerk"].get("/applications", overdue="true", limit=200))["items"]
    assert application["id"] in [item["id"] for item in late] and all(item["overdue"] for item in late)
    assert ok(me.get(f"/applications/{application['id']}"))["timeline"][0]["overdue"] is True
    assert alarms_for(people["reviewer"], "overdue") == []

    ok(platform.post(f"{API}/admin/clock", {"advance": "P4D"}))   # past the next working day, whatever the weekday
    until(lambda: alarms_for(As(platform, platform.http.headers["Authorization"].split()[1]), "escalation"),
          timeout=30, what="the escalation")
    assert len(alarms_for(people["clerk"], "overdue")) == 1      # once


def test_time_travel_moves_every_gateway_replica_whichever_took_the_request(platform):
    bind = f"127.0.0.1:{free_port()}"
    replica = ServiceProcesses(platform.var_dir / "replica-log", {**platform.env, "HUIQI_GATEWAY_BIND": bind},
                               services=("gateway",))
    replica.start()
    try:
        replica.wait_ready(timeout_s=60)
        replica_http = checked_session(ADMIN_TOKEN)

        def offset_at(url: str) -> float:
            return ok(replica_http.get(f"{url}/health", timeout=30))["gateway"]["clock_offset_s"]

        for told, other in ((platform.url, f"http://{bind}"), (f"http://{bind}", platform.url)):
            moved = ok(replica_http.post(f"{told}{API}/admin/clock", json={"advance": "PT1S"}, timeout=30))
            assert offset_at(told) == moved["offset_s"]
            until(lambda other=other, moved=moved: offset_at(other) == moved["offset_s"],
                  what=f"the replica at {other} to follow the clock")
    finally:
        replica.stop()
