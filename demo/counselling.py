"""The demo's financial counsellors (金融辅导员), loaded by `make run` once the demo enterprises are matched:
two teams (a county one, which the demo counsellor `counsellor` belongs to, and a city one), the
enterprises each serves, visits and financing plans, and a few problems in the ledger: one answered, one
resolved, one just raised, and one recorded from the paper ledger 30 hours ago and never answered, which
is overdue (the counselling service raises its alarm at once)."""
from __future__ import annotations

from datetime import timedelta

from nameko.standalone.rpc import ServiceRpcProxy

from demo.evaluation import Gateway
from shared import clock
from shared.contracts.actors import Actor, Role

TEAMS = ({"name": "博兴县金融辅导队（演示）", "level": "county", "county": "371625"},
         {"name": "市级金融辅导队（演示）", "level": "city"})
COUNTY_ENTERPRISES = 12   # the first demo enterprises; the next as many are the city team's
PLANS = (("流动资金贷款 300 万元", "对接农商行普惠贷款，申请融资贴息", 3_000_000),
         ("设备更新贷款 800 万元", "对接政府性融资担保，设备抵押", 5_000_000),
         ("订单融资 120 万元", "应收账款质押融资", 1_200_000))
PROBLEMS = (("抵押物不足，续贷困难", ("已对接担保公司，正在评估", "in_progress")),
            ("贷款审批周期长", ("已协调银行开辟绿色通道，贷款已发放", "resolved")),
            ("希望了解技改贷款贴息政策", None))
OVERDUE = "原有贷款到期，转贷资金缺口 50 万元（纸质台账录入）"


def form_teams(gateway_url: str, token: str) -> dict[str, int]:
    """The demo teams, by level: before the demo accounts, since the demo counsellor names its team."""
    admin = Gateway(gateway_url, token)
    return {team["level"]: admin.call("POST", "/counsellor-teams", team, 201)["id"] for team in TEAMS}


def load_counselling(gateway_url: str, token: str, amqp_uri: str, usccs: list[str], teams: dict[str, int], *,
                     say=print) -> dict:
    admin = Gateway(gateway_url, token)
    county, city = usccs[:COUNTY_ENTERPRISES], usccs[COUNTY_ENTERPRISES:2 * COUNTY_ENTERPRISES]
    admin.call("PUT", f"/counsellor-teams/{teams['county']}/enterprises", {"usccs": county})
    admin.call("PUT", f"/counsellor-teams/{teams['city']}/enterprises", {"usccs": city})
    ours = admin.as_(admin.call("POST", "/staff", {"name": "演示辅导员（县级）", "role": "counsellor",
                                                   "team_id": teams["county"]}, 201)["token"])
    today = clock.today_in_china()
    for uscc, (needs, measures, amount) in zip(county, PLANS, strict=False):
        ours.call("POST", f"/enterprises/{uscc}/visits", {"visited_on": (today - timedelta(days=3)).isoformat(),
                                                         "notes": f"走访了解融资需求：{needs}",
                                                         "financing_need": amount}, 201)
        ours.call("PUT", f"/enterprises/{uscc}/financing-plan", {"needs": needs, "measures": measures,
                                                                 "amount_coordinated": amount})
    for uscc, (text, response) in zip(county[3:], PROBLEMS, strict=False):
        problem = ours.call("POST", f"/enterprises/{uscc}/problems", {"text": text}, 201)
        if response is not None:
            ours.call("POST", f"/problems/{problem['id']}/responses", {"text": response[0], "status": response[1]})
    system = Actor(role=Role.system, id="demo").model_dump(mode="json")
    with ServiceRpcProxy("counselling", {"AMQP_URI": amqp_uri, "serializer": "json"}, timeout=30) as rpc:
        overdue = rpc.record_problem(system, county[6], OVERDUE, (clock.now() - timedelta(hours=30)).isoformat())
    say(f"formed {len(teams)} demo counsellor teams serving {len(county) + len(city)} enterprises, "
        f"{len(PLANS)} financing plans, {len(PROBLEMS) + 1} problems (problem {overdue['id']} overdue)")
    return {"teams": teams, "overdue_problem_id": overdue["id"]}


def demo_teams(gateway_url: str, token: str) -> dict[str, int]:
    """The demo teams `form_teams` made, by level, as the counselling service lists them."""
    names = {team["name"]: team["level"] for team in TEAMS}
    listed = Gateway(gateway_url, token).call("GET", "/counsellor-teams")["items"]
    return {names[team["name"]]: team["id"] for team in listed if team["name"] in names}
