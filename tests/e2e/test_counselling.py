"""Financial counsellors (金融辅导员) end to end, on the running platform with time travel: a county team with
two enterprises, its counsellor refused a third that another team serves; a financing plan that lists the
financing policy the enterprises match (learned by the counselling service from the bus); a problem left
unanswered that is an alarm to the team at 25 hours and, at 49, one to the city level; the ledger with the
team's 24-hour rate, exported and opened with openpyxl. The clock only moves forward."""
from __future__ import annotations

import io

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


def registered(platform, gov, marker: str, name: str) -> str:
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": name, "employees": 30,
                                                                 "interests": [marker, "financing"]}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc


def advance(platform, duration: str) -> None:
    ok(platform.post(f"{API}/admin/clock", {"advance": duration}))


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
