"""The counsellors' work through the real gateway, accounts and counselling services on the real broker: a
financing plan that lists the financing policy the enterprise matches (learned from the policy service's
events on the bus), visits, a problem raised by the enterprise and answered with measures that change over
time (every version kept), a problem left unanswered that raises an alarm at 25 hours and climbs a level at
49 (time travel: the in-process clock), the events others hear, and the ledger exported to XLSX."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import kombu
import pytest
from openpyxl import load_workbook

from shared import clock
from shared.contracts.events import EnterpriseSnapshot, EnterprisesTagged, MatchesChanged, PolicyPublished
from shared.uscc import complete
from tests.integration.counselling.test_teams import client, counsellor, created
from tests.integration.gateway_stand_ins import ADMIN_TOKEN, USCC, FakeTagging
from tests.polling import until

OTHER = complete("91371600000000002")


@pytest.fixture
def tagging(container_factory, amqp_uri):
    container = container_factory(FakeTagging, {"AMQP_URI": amqp_uri, "serializer": "json"})
    container.start()
    return container


@pytest.fixture
def team(platform):
    admin = client(platform, ADMIN_TOKEN)
    county = created(admin.post("/api/v1/counsellor-teams", json={"name": "博兴县辅导队", "level": "county",
                                                                   "county": "371625"}))
    assert admin.put(f"/api/v1/counsellor-teams/{county['id']}/enterprises",
                     json={"usccs": [USCC, OTHER]}).status_code == 200
    return {"admin": admin, "team": county, "counsellor": counsellor(admin, platform, county["id"])}


def queued(amqp_uri: str, queue: str) -> list[tuple[str, dict]]:
    taken = []
    with kombu.Connection(amqp_uri) as connection:
        channel = connection.channel()
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            taken.append((message.delivery_info["routing_key"], json.loads(message.body)))
    return taken


def test_a_plan_lists_the_financing_policies_the_enterprise_matches_now(team, bus, amqp_uri):
    ours = team["counsellor"]
    bus.publish(
        EnterprisesTagged(enterprises=[EnterpriseSnapshot(uscc=USCC, version=2, status="active",
                                                          facts={"name": "滨州测试有限公司"},
                                                          tags=["interest.financing"])]),
        PolicyPublished(policy_id=71, version=1, title="小微企业融资贴息", department="finance",
                        tags_used=["interest.financing", "scale.small"]),
        PolicyPublished(policy_id=72, version=1, title="稳岗补贴", department="hrss", tags_used=["scale.small"]),
        MatchesChanged(matched={71: [USCC, OTHER], 72: [USCC]}, titles={71: "小微企业融资贴息", 72: "稳岗补贴"}))

    def listed():
        plan = ours.get(f"/api/v1/enterprises/{USCC}/financing-plan").json()
        return plan if plan.get("financing_policies") and plan.get("enterprise_name") else None
    plan = until(listed, timeout=20, what="the plan listing the financing policy")
    assert [policy["policy_id"] for policy in plan["financing_policies"]] == [71]   # 72 is no financing policy
    assert plan["version"] == 0 and plan["enterprise_name"] == "滨州测试有限公司"

    put = ours.put(f"/api/v1/enterprises/{USCC}/financing-plan",
                   json={"needs": "流动资金贷款500万元", "measures": "对接农商行", "amount_coordinated": 3000000.5})
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1 and put.json()["amount_coordinated"] == 3000000.5
    assert ours.put(f"/api/v1/enterprises/{USCC}/financing-plan",
                    json={"needs": "流动资金贷款500万元", "measures": "对接农商行、担保公司",
                          "amount_coordinated": 5000000}).json()["version"] == 2
    visit = ours.post(f"/api/v1/enterprises/{USCC}/visits",
                      json={"visited_on": clock.today_in_china().isoformat(), "notes": "了解融资需求",
                            "financing_need": 5000000})
    assert visit.status_code == 201, visit.text
    assert ours.get(f"/api/v1/enterprises/{USCC}/visits").json()["total"] == 1

    # the policy is withdrawn: the plan no longer lists it
    from shared.contracts.events import PolicyWithdrawn
    bus.publish(PolicyWithdrawn(policy_id=71, version=1))
    until(lambda: not ours.get(f"/api/v1/enterprises/{USCC}/financing-plan").json()["financing_policies"],
          timeout=20, what="the withdrawn policy gone from the plan")

    changes = until(lambda: [body for key, body in queued(amqp_uri, "evaluation.counselling_changed")
                             if key == "counselling.plan_changed"] or None, timeout=20, what="plan_changed")
    assert {change["version"] for change in changes} <= {1, 2} and changes[0]["uscc"] == USCC
    # the team's level and county travel with the plan: the evaluation service counts it towards 博兴县
    assert (changes[0]["team_id"], changes[0]["level"], changes[0]["county"]) == (team["team"]["id"], "county",
                                                                                   "371625")

    statistics = ours.get("/api/v1/counselling/statistics").json()["items"]
    assert statistics[0]["enterprises"] == 2 and statistics[0]["amount_coordinated"] == 5000000
    assert statistics[0]["plans"] == 1 and statistics[0]["visits"] == 1


def test_a_counsellor_is_refused_an_enterprise_of_another_team(team, platform):
    third = complete("91371600000000003")
    other_team = created(team["admin"].post("/api/v1/counsellor-teams", json={"name": "市辅导队", "level": "city"}))
    assert team["admin"].put(f"/api/v1/counsellor-teams/{other_team['id']}/enterprises",
                             json={"usccs": [third]}).status_code == 200
    ours = team["counsellor"]
    for method, path, body in (("post", f"/api/v1/enterprises/{third}/visits",
                                {"visited_on": "2026-01-05", "notes": "走访"}),
                               ("get", f"/api/v1/enterprises/{third}/financing-plan", None),
                               ("put", f"/api/v1/enterprises/{third}/financing-plan",
                                {"needs": "贷款", "measures": "对接", "amount_coordinated": 0}),
                               ("post", f"/api/v1/enterprises/{third}/problems", {"text": "融资难"})):
        refused = getattr(ours, method)(path, json=body)
        assert refused.status_code == 403, (path, refused.text)
    lone = counsellor(team["admin"], platform, None, "无团队辅导员")
    assert lone.get(f"/api/v1/enterprises/{USCC}/financing-plan").status_code == 403


def test_a_problem_is_answered_and_every_version_of_its_measures_kept(team, tagging, platform, amqp_uri):
    enterprise = client(platform, created(team["admin"].post(f"/api/v1/enterprises/{USCC}/accounts",
                                                             json={}))["token"])
    raised = enterprise.post(f"/api/v1/enterprises/{USCC}/problems", json={"text": "抵押物不足，贷款难"})
    assert raised.status_code == 201, raised.text
    problem = raised.json()
    assert problem["status"] == "open" and raised.headers["Location"] == f"/api/v1/problems/{problem['id']}"
    assert enterprise.post(f"/api/v1/enterprises/{OTHER}/problems", json={"text": "冒名"}).status_code == 403
    ours = team["counsellor"]
    first = ours.post(f"/api/v1/problems/{problem['id']}/responses",
                      json={"text": "联系担保公司", "status": "in_progress"})
    assert first.status_code == 200, first.text
    second = ours.post(f"/api/v1/problems/{problem['id']}/responses",
                       json={"text": "担保公司已出函，银行放款", "status": "resolved"}).json()
    assert [(r["version"], r["text"], r["status"]) for r in second["responses"]] == [
        (1, "联系担保公司", "in_progress"), (2, "担保公司已出函，银行放款", "resolved")]
    assert second["answered_in_time"] and second["status"] == "resolved"
    again = ours.post(f"/api/v1/problems/{problem['id']}/responses", json={"text": "再答", "status": "in_progress"})
    assert again.status_code == 409
    assert enterprise.get(f"/api/v1/problems/{problem['id']}").json()["status"] == "resolved"
    heard = until(lambda: queued(amqp_uri, "evaluation.counselling_changed") or None, timeout=20, what="events")
    assert [key for key, _ in heard] == ["counselling.problem_raised", "counselling.problem_answered",
                                         "counselling.problem_resolved"]
    assert heard[2][1]["answered_in_time"] is True and heard[2][1]["level"] == "county"


def test_an_unanswered_problem_alarms_the_team_at_25_hours_and_the_city_at_49(team, platform, time_travel):
    admin, ours = team["admin"], team["counsellor"]
    city = created(admin.post("/api/v1/counsellor-teams", json={"name": "市级辅导队", "level": "city"}))
    city_counsellor = counsellor(admin, platform, city["id"], "市级辅导员")
    problem = created(ours.post(f"/api/v1/enterprises/{OTHER}/problems", json={"text": "续贷困难"}))
    answered = created(ours.post(f"/api/v1/enterprises/{USCC}/problems", json={"text": "利率高"}))
    assert ours.post(f"/api/v1/problems/{answered['id']}/responses",
                     json={"text": "对接贴息政策", "status": "in_progress"}).status_code == 200

    time_travel(timedelta(hours=25))
    alarms = until(lambda: ours.get("/api/v1/counselling/alarms").json()["items"] or None, timeout=20,
                   what="the team's alarm")
    assert [(a["problem_id"], a["stage"], a["level"]) for a in alarms] == [(problem["id"], 1, "county")]
    assert city_counsellor.get("/api/v1/counselling/alarms").json()["items"] == []
    assert ours.get(f"/api/v1/problems/{problem['id']}").json()["overdue"] is True

    time_travel(timedelta(hours=24))
    climbed = until(lambda: city_counsellor.get("/api/v1/counselling/alarms").json()["items"] or None, timeout=20,
                    what="the alarm one level up")
    assert [(a["problem_id"], a["stage"], a["level"]) for a in climbed] == [(problem["id"], 2, "city")]
    merged = ours.get("/api/v1/alarms").json()       # the counsellor's alarms of every service: its team's only
    assert merged["items"] == ours.get("/api/v1/counselling/alarms").json()["items"] and merged["warnings"] == []
    assert [(a["kind"], a["stage"]) for a in merged["items"]] == [("problem_unanswered", 2), ("problem_unanswered", 1)]

    ledger = ours.get("/api/v1/counselling/ledger").json()
    assert [item["id"] for item in ledger["items"]] == [problem["id"], answered["id"]]
    assert ledger["items"][0]["age_hours"] >= 49 and ledger["items"][1]["measures"] == "对接贴息政策"
    (rate,) = ledger["teams"]
    assert (rate["problems"], rate["due"], rate["answered_in_time"], rate["rate_24h"]) == (2, 2, 1, 0.5)
    assert ours.get("/api/v1/counselling/ledger", params={"team_id": city["id"]}).status_code == 403
    assert ours.get("/api/v1/counselling/ledger", params={"status": "lost"}).status_code == 422

    export = admin.get("/api/v1/counselling/ledger.xlsx", params={"status": "open"})
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(export.content))
    rows = list(workbook["工作台账"].iter_rows(values_only=True))
    assert rows[0][:3] == ("问题编号", "统一社会信用代码", "企业名称")
    assert [row[0] for row in rows[1:]] == [problem["id"]] and rows[1][5] == "待答复" and rows[1][11] == 2
    rates = list(workbook["团队24小时答复率"].iter_rows(values_only=True))
    assert rates[1][1] == "博兴县辅导队" and rates[1][8] == 0.5   # the rate of all its problems
