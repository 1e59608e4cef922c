"""Financial counsellors (金融辅导员) end to end, on the running platform with time travel: a county team with
two enterprises, its counsellor refused a third that another team serves; a financing plan that lists the
financing policy the enterprises match (learned by the counselling service from the bus); a problem left
unanswered that is an alarm to the team at 25 hours and, at 49, one to the city level; the ledger with the
team's 24-hour rate, exported and opened with openpyxl; then 博兴县's feedback responsiveness in an evaluation
round, which rises once the team resolves a problem and coordinates financing for its second enterprise (the
counselling events reach the evaluation service over the bus). The clock only moves forward."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest

from tests.e2e.harness import (
    ADMIN_TOKEN,
    API,
    As,
    account,
    enterprise_event,
    has_interest,
    new_marker,
    new_uscc,
    ok,
    policy_draft,
)
from tests.polling import eventually, until

pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_TIME_TRAVEL": "1"})]
WEIGHTS = {"supply_match": 0.2, "push_coverage": 0.2, "demand_enjoyment": 0.2, "redemption_satisfaction": 0.2,
           "feedback_responsiveness": 0.2}
SOURCE_WEIGHTS = {"platform": 0.4, "self": 0.2, "survey": 0.2, "third_party": 0.2}


def registered(platform, gov, marker: str, name: str) -> str:
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": name, "employees": 30,
                                                                 "interests": [marker, "financing"]}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc


def advance(platform, duration: str) -> None:
    ok(platform.post(f"{API}/admin/clock", {"advance": duration}))


def county_responsiveness(platform, admin: As, county: str) -> float:
    """Open a round over the platform's recent days, close it, and read the county's feedback responsiveness."""
    today = datetime.fromisoformat(ok(platform.get("/health"))["services"]["application"]["now"]).date()
    evaluation = ok(admin.post("/evaluations", {
        "name": f"辅导团队响应度（测试）{today}", "period_start": (today - timedelta(days=10)).isoformat(),
        "period_end": (today + timedelta(days=180)).isoformat(), "weights": WEIGHTS,
        "source_weights": SOURCE_WEIGHTS}), 201)
    ok(admin.post(f"/evaluations/{evaluation['id']}/close"))
    counties = {entry["unit"]: entry for entry in ok(admin.get(f"/evaluations/{evaluation['id']}/results"))["counties"]}
    return counties[county]["dimensions"]["feedback_responsiveness"]


def kept_by_evaluation(platform, sql: str, expected: int, what: str, **params) -> None:
    until(lambda: platform.scalar("evaluation", sql, **params) == expected, timeout=30, what=what)


def test_a_team_serves_its_enterprises_answers_in_24_hours_or_is_alarmed(platform, gov):
    admin = As(platform, ADMIN_TOKEN)
    marker = new_marker()
    first, second = (registered(platform, gov, marker, f"滨州辅导测试{n}有限公司") for n in (1, 2))
    third = registered(platform, gov, marker, "滨州辅导测试3有限公司")
    county = ok(admin.post("/counsellor-teams", {"name": f"博兴县辅导队{marker}", "level": "county",
                                                 "county": "371625"}), 201)
    city = ok(admin.post("/counsellor-teams", {"name": f"市级辅导队{marker}", "level": "city"}), 201)
    ok(admin.put(f"/counsellor-teams/{county['id']}/enterprises", {"usccs": [first, second]}))
    ok(admin.put(f"/counsellor-teams/{city['id']}/enterprises", {"usccs": [third]}))
    ours = account(platform, {"name": "县级辅导员", "role": "counsellor", "team_id": county["id"]})
    above = account(platform, {"name": "市级辅导员", "role": "counsellor", "team_id": city["id"]})

    # a counsellor reaches its team's two enterprises, and is refused the third
    assert ours.get(f"/enterprises/{third}/financing-plan").status_code == 403
    assert ours.post(f"/enterprises/{third}/problems", {"text": "融资难"}).status_code == 403

    # the plan lists the financing policy the enterprise matches now
    financing = policy_draft("小微企业融资贴息（辅导测试）", {"all": [{"tag": "interest.financing"},
                                                              has_interest(marker)]})
    policy_id = platform.create_and_publish(financing)
    plan = until(lambda: ok(ours.get(f"/enterprises/{first}/financing-plan"))
                 if ok(ours.get(f"/enterprises/{first}/financing-plan"))["financing_policies"] else None,
                 timeout=60, what="the plan listing the financing policy")
    assert [policy["policy_id"] for policy in plan["financing_policies"]] == [policy_id]
    drawn = ok(ours.put(f"/enterprises/{first}/financing-plan",
                        {"needs": "流动资金贷款300万元", "measures": "对接贴息政策与合作银行",
                         "amount_coordinated": 3000000}))
    assert drawn["version"] == 1 and drawn["financing_policies"] == plan["financing_policies"]
    ok(ours.post(f"/enterprises/{first}/visits", {"visited_on": "2026-01-05", "notes": "了解融资需求",
                                                  "financing_need": 3000000}), 201)

    # a problem the enterprise raises and no one answers
    enterprise = account(platform, {}, f"/enterprises/{second}/accounts")
    problem = ok(enterprise.post(f"/enterprises/{second}/problems", {"text": "抵押物不足，续贷困难"}), 201)
    answered = ok(ours.post(f"/enterprises/{first}/problems", {"text": "贷款利率偏高"}), 201)
    ok(ours.post(f"/problems/{answered['id']}/responses", {"text": "申请融资贴息", "status": "in_progress"}))

    advance(platform, "PT25H")
    alarms = until(lambda: ok(ours.get("/counselling/alarms"))["items"] or None, timeout=30,
                   what="the team's alarm at 25 hours")
    assert [(alarm["problem_id"], alarm["stage"], alarm["level"]) for alarm in alarms] == [
        (problem["id"], 1, "county")]
    assert ok(above.get("/counselling/alarms"))["items"] == []

    advance(platform, "PT24H")
    climbed = until(lambda: ok(above.get("/counselling/alarms"))["items"] or None, timeout=30,
                    what="the city's alarm at 49 hours")
    assert [(alarm["problem_id"], alarm["stage"], alarm["level"]) for alarm in climbed] == [
        (problem["id"], 2, "city")]

    ledger = ok(ours.get("/counselling/ledger"))
    assert [item["id"] for item in ledger["items"]] == [problem["id"], answered["id"]]
    assert ledger["items"][0]["overdue"] and ledger["items"][0]["age_hours"] >= 49
    (rate,) = ledger["teams"]
    assert (rate["due"], rate["answered_in_time"], rate["rate_24h"]) == (2, 1, 0.5)

    export = admin.http.get(f"{platform.url}{API}/counselling/ledger.xlsx", params={"team_id": county["id"]},
                            timeout=30)
    assert export.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    rows = list(workbook["工作台账"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [problem["id"], answered["id"]]
    assert rows[1][5] == "待答复" and rows[2][12] == "申请融资贴息"
    rates = list(workbook["团队24小时答复率"].iter_rows(values_only=True))
    assert rates[1][1] == county["name"] and rates[1][8] == 0.5

    # the evaluation round: 1 of 2 answered within 24 hours, none resolved, 1 of 2 enterprises served financed
    kept_by_evaluation(platform, "SELECT count(*) FROM counselling_problems WHERE uscc IN (:a, :b) "
                       "AND (uscc = :b OR first_answered_at IS NOT NULL)", 2, "the problems in evaluation",
                       a=first, b=second)
    kept_by_evaluation(platform, "SELECT count(*) FROM counselling_plans WHERE uscc = :a", 1,
                       "the plan in evaluation", a=first)
    before = county_responsiveness(platform, admin, "371625")
    assert before == pytest.approx((50 + 0 + 50) / 3)

    # the team resolves the answered problem and coordinates financing for the second enterprise
    ok(ours.post(f"/problems/{answered['id']}/responses", {"text": "贴息已落实", "status": "resolved"}))
    ok(ours.put(f"/enterprises/{second}/financing-plan", {"needs": "续贷500万元", "measures": "协调转贷基金",
                                                          "amount_coordinated": 5000000}))
    kept_by_evaluation(platform, "SELECT count(*) FROM counselling_problems WHERE resolved_at IS NOT NULL "
                       "AND uscc = :a", 1, "the resolution in evaluation", a=first)
    kept_by_evaluation(platform, "SELECT count(*) FROM counselling_plans WHERE uscc = :b", 1,
                       "the second plan in evaluation", b=second)
    advance(platform, "PT1M")   # the round counts what happened before its close
    after = county_responsiveness(platform, admin, "371625")
    assert after == pytest.approx((50 + 50 + 100) / 3) and after > before
