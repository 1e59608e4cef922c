"""The demo's evaluation round (三评), finished, loaded through the gateway as people would once the demo's
enterprises are matched: enterprises rate pushes they received and answer the questionnaire, every department
and county with a policy assesses itself, the third-party assessor scores them, the city administrator closes
the round, and the unit ranked last gets a rectification (整改) that stays open.

Ratings, answers and scores are drawn from a seeded generator: the same demo every time.
"""
from __future__ import annotations

import random
from datetime import date

import requests

from shared.contracts.evaluation import Dimension

RATERS = 60
DIMENSION_WEIGHTS = dict.fromkeys(Dimension, 0.2)
SOURCE_WEIGHTS = {"platform": 0.4, "self": 0.2, "survey": 0.2, "third_party": 0.2}
QUESTIONS = (
    {"text": "推送的政策是否符合贵企业的实际需求？", "dimension": Dimension.supply_match},
    {"text": "贵企业是否及时收到了可享受的政策信息？", "dimension": Dimension.push_coverage},
    {"text": "政策兑现的流程是否便捷、资金是否及时到位？", "dimension": Dimension.redemption_satisfaction},
    {"text": "部门对贵企业咨询和诉求的回应是否及时？", "dimension": Dimension.feedback_responsiveness},
)
COMMENTS = {5: "推送精准，申报很方便", 4: "总体满意", 3: "政策说明还可以更清楚", 2: "等了很久没有回复",
            1: "材料要求反复变化"}
STARS = (5, 4, 5, 3, 5, 4, 2, 5, 4, 1)   # mostly content, some not: a few follow-ups open


class Gateway:
    """Calls with one token; an answer other than the expected status is an error naming the call."""

    def __init__(self, url: str, token: str):
        self.url = f"{url}/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, status: int = 200, **params):
        answer = self.http.request(method, f"{self.url}{path}", json=body, params=params or None, timeout=60)
        if answer.status_code != status:
            raise RuntimeError(f"demo round: {method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json()

    def as_(self, token: str) -> Gateway:
        return Gateway(self.url.removesuffix("/api/v1"), token)


def half_year(today: date) -> tuple[date, date]:
    """The half-year `today` is in: rounds run twice a year."""
    return (date(today.year, 1, 1), date(today.year, 6, 30)) if today.month <= 6 else \
        (date(today.year, 7, 1), date(today.year, 12, 31))


def load_round(gateway_url: str, token: str, usccs: list[str], today: date, *, say=print) -> dict:
    """Open, fill and close the demo round; returns its results."""
    admin, rng = Gateway(gateway_url, token), random.Random(2026)
    start, end = half_year(today)
    name = f"{today.year}年{'上' if today.month <= 6 else '下'}半年惠企政策落实三评（演示）"
    evaluation_id = admin.call("POST", "/evaluations", {
        "name": name, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "weights": DIMENSION_WEIGHTS, "source_weights": SOURCE_WEIGHTS}, 201)["id"]
    admin.call("POST", f"/evaluations/{evaluation_id}/survey", {"questions": list(QUESTIONS)})

    rated = 0
    for uscc in usccs:
        matched = admin.call("GET", f"/enterprises/{uscc}/policies")
        if not matched:
            continue
        firm = admin.as_(admin.call("POST", f"/enterprises/{uscc}/accounts", {}, 201)["token"])
        stars = STARS[rated % len(STARS)]
        firm.call("POST", "/ratings", {"subject": "push", "policy_id": rng.choice(matched)["policy_id"],
                                       "stars": stars, "comment": COMMENTS[stars]}, 201)
        answers = [max(1, min(5, stars + rng.choice((-1, 0, 0, 1)))) for _ in QUESTIONS]
        firm.call("POST", f"/evaluations/{evaluation_id}/survey/responses", {"answers": answers}, 201)
        rated += 1
        if rated == RATERS:
            break

    units = _units(admin)
    assessor = admin.as_(admin.call("POST", "/staff", {"name": "演示第三方评估机构", "role": "assessor"}, 201)["token"])
    for kind, code in units:
        role = {"department": "department_staff", "county": "county_staff"}[kind]
        staff = admin.as_(admin.call("POST", "/staff", {"name": f"{code} 三评联络员", "role": role, kind: code},
                                     201)["token"])
        staff.call("POST", f"/evaluations/{evaluation_id}/self-assessments", {
            "unit": code, "scores": {dimension: rng.randint(80, 98) for dimension in Dimension},
            "evidence": "本单位年度政策落实工作总结及佐证材料"}, 201)
        assessor.call("POST", f"/evaluations/{evaluation_id}/assessments", {
            "unit": code, "scores": {dimension: rng.randint(60, 95) for dimension in Dimension},
            "evidence": "抽样回访企业记录与办件抽查"}, 201)

    admin.call("POST", f"/evaluations/{evaluation_id}/close")
    results = admin.call("GET", f"/evaluations/{evaluation_id}/results")
    last = results["departments"][-1]
    admin.call("POST", "/rectifications", {
        "evaluation_id": evaluation_id, "unit": last["unit"], "unit_kind": "department",
        "problem": "企业评价和回应及时率在全市排名靠后，请对照问题逐项整改", "due_on": end.isoformat()}, 201)
    say(f"demo round {name!r}: {rated} enterprises rated and answered the questionnaire, {len(units)} units "
        f"assessed; first {results['departments'][0]['name']}, last {last['name']} (rectification open)")
    return results


def _units(admin: Gateway) -> list[tuple[str, str]]:
    """Every department, and every county with a county-level policy, among the published policies."""
    found: dict[tuple[str, str], None] = {}
    offset = 0
    while True:
        page = admin.call("GET", "/policies", status=200, limit=200, offset=offset)
        for policy in page["items"]:
            if policy["status"] == "published":
                found[("department", policy["department"])] = None
                if policy.get("county"):
                    found[("county", policy["county"])] = None
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return list(found)
