"""Contract section 9 at the gateway: every route of ratings, rounds and rectifications reaches the
evaluation service's RPC of EVALUATION.md with what the request said and who asked, answers in the
documented shapes (every answer is checked against its route's model, as the end-to-end tests do),
turns the results into a workbook, and merges the alarms of two services.

The evaluation service here is a stand-in answering fixed shapes (tests/integration/gateway_stand_ins.py);
the accounts service is the real one, so every role's token is a real token."""
from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
import requests
from openpyxl import load_workbook

from services.gateway.alarms import COUNSELLING_SILENT, EVALUATION_SILENT
from services.gateway.workbooks import XLSX
from shared.rpc import rpc
from tests.e2e import answer_models
from tests.integration.gateway_stand_ins import (
    RESULTS,
    SOURCE_WEIGHTS,
    USCC,
    WEIGHTS,
    FakeApplication,
    FakeCounselling,
    FakeEvaluation,
    FakeNotification,
    FakePolicy,
    FakeTagging,
)

DEPARTMENT, COUNTY = "finance", "371625"


def raised(minute: int) -> str:
    return f"2026-12-01T08:{minute:02d}:00+00:00"


# newest first in each list, as each service lists them; 08:30 is in both (the application's comes first)
APPLICATION_ALARMS = [{"id": 100 - n, "kind": "overdue", "application_id": n, "stage_id": n, "stage": "review",
                       "role": "department_staff", "department": DEPARTMENT, "county": None,
                       "due_at": "2026-12-01T00:00:00+00:00", "raised_at": raised(minute)}
                      for n, minute in enumerate((50, 40, 30, 20, 10, 5, 1))]
EVALUATION_ALARMS = [{"id": 10 - n, "kind": "follow_up_overdue", "follow_up_id": n, "department": DEPARTMENT,
                      "due_at": "2026-12-01T00:00:00+00:00", "raised_at": raised(minute)}
                     for n, minute in enumerate((45, 30, 25, 2, 0))]
MERGED = sorted(APPLICATION_ALARMS + EVALUATION_ALARMS,
                key=lambda alarm: (alarm["raised_at"], alarm["kind"] == "overdue"), reverse=True)
COUNSELLING_ALARMS = [{"id": 20 - n, "kind": "problem_unanswered", "problem_id": n, "stage": 1, "team_id": 1,
                       "level": "county", "county": COUNTY, "due_at": "2026-12-01T00:00:00+00:00",
                       "raised_at": raised(minute)} for n, minute in enumerate((55, 41, 3))]
ALL_MERGED = sorted(MERGED + COUNSELLING_ALARMS, key=lambda alarm: alarm["raised_at"], reverse=True)


class AlarmingApplication(FakeApplication):
    name = "application"
    calls: list = []

    @rpc
    def alarms(self, actor, limit=50, offset=0):
        self.calls.append((actor["role"], limit, offset))
        return {"items": APPLICATION_ALARMS[offset:offset + limit], "total": len(APPLICATION_ALARMS)}


class AlarmingEvaluation(FakeEvaluation):
    name = "evaluation"

    @rpc
    def alarms(self, actor, limit=50, offset=0):
        self.calls.append(("alarms", (actor, limit, offset)))
        return {"items": EVALUATION_ALARMS[offset:offset + limit], "total": len(EVALUATION_ALARMS), "limit": limit,
                "offset": offset}


class AlarmingCounselling(FakeCounselling):
    name = "counselling"
    calls: list = []

    @rpc
    def alarms(self, actor, limit=50, offset=0):
        self.calls.append((actor["role"], limit, offset))
        return {"items": COUNSELLING_ALARMS[offset:offset + limit], "total": len(COUNSELLING_ALARMS),
                "limit": limit, "offset": offset}


def start(container_factory, amqp_uri, *classes):
    for cls in classes:
        container_factory(cls, {"AMQP_URI": amqp_uri, "serializer": "json"}).start()


@pytest.fixture
def without_evaluation(quick_consumers, container_factory, amqp_uri, accounts_service):
    FakeEvaluation.calls.clear()
    AlarmingApplication.calls.clear()
    AlarmingCounselling.calls.clear()
    start(container_factory, amqp_uri, FakeTagging, FakePolicy, FakeNotification, AlarmingApplication)


@pytest.fixture
def without_counselling(without_evaluation, container_factory, amqp_uri):
    start(container_factory, amqp_uri, AlarmingEvaluation)


@pytest.fixture
def services(without_counselling, container_factory, amqp_uri):
    start(container_factory, amqp_uri, AlarmingCounselling)


class Session(requests.Session):
    """A client holding one token, whose every JSON answer is checked against its route's answer model."""

    def __init__(self, base_url: str, token: str):
        super().__init__()
        self.base_url = base_url
        self.headers["Authorization"] = f"Bearer {token}"
        self.hooks["response"].append(answer_models.check)

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base_url + url, *args, **kwargs)


@pytest.fixture
def as_role(gateway, api, without_evaluation):
    """`as_role("enterprise")`: a checked session with a new token of that role."""
    def made(role: str) -> Session:
        if role == "city_admin":
            token = api.headers["Authorization"].removeprefix("Bearer ")
        elif role == "enterprise":
            token = created(api.post(f"/api/v1/enterprises/{USCC}/accounts", json={}))["token"]
        else:
            scope = {"department_staff": {"department": DEPARTMENT}, "county_staff": {"county": COUNTY},
                     "counsellor": {"team_id": 1}}.get(role, {})
            token = created(api.post("/api/v1/staff", json={"name": role, "role": role, **scope}))["token"]
        session = Session(gateway, token)
        sessions.append(session)
        return session

    sessions: list[Session] = []
    yield made
    for session in sessions:
        session.close()


def created(response: requests.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def invalid_fields(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {item["field"]: item["message"] for item in response.json()["error"]["details"]}


# --- ratings ---------------------------------------------------------------------------------------

def test_an_enterprise_rates_and_a_bad_rating_shows_its_follow_up(services, as_role):
    enterprise = as_role("enterprise")
    good = created(enterprise.post("/api/v1/ratings", json={"subject": "push", "policy_id": 7, "stars": 5}))
    assert (good["uscc"], good["subject"], good["policy_id"], good["follow_up"]) == (USCC, "push", 7, None)
    bad = created(enterprise.post("/api/v1/ratings", json={"subject": "application", "application_id": 3,
                                                           "stars": 1, "comment": "审核太慢"}))
    assert (bad["application_id"], bad["stars"], bad["comment"]) == (3, 1, "审核太慢")
    assert bad["follow_up"]["status"] == "open"


def test_the_services_refusal_of_a_rating_keeps_its_status_and_reason(services, as_role):
    enterprise = as_role("enterprise")
    early = enterprise.post("/api/v1/ratings", json={"subject": "application", "application_id": 409, "stars": 4})
    assert early.status_code == 409
    assert early.json()["error"]["details"] == {"stage": "review"}
    assert "completed or rejected" in early.json()["error"]["message"]
    assert enterprise.post("/api/v1/ratings", json={"subject": "application", "application_id": 404,
                                                    "stars": 4}).status_code == 404


def test_a_bad_rating_is_422_naming_each_field_before_the_service_is_asked(services, as_role):
    fields = invalid_fields(as_role("enterprise").post("/api/v1/ratings", json={
        "subject": "push", "application_id": 3, "stars": 6}))
    assert set(fields) == {"policy_id", "application_id", "stars"}
    assert "subject push needs policy_id" in fields["policy_id"]


def test_staff_and_the_administrator_may_not_rate(services, as_role):
    for role in ("city_admin", "department_staff", "assessor"):
        answer = as_role(role).post("/api/v1/ratings", json={"subject": "push", "policy_id": 7, "stars": 5})
        assert answer.status_code == 403, role
        assert answer.json()["error"]["details"]["action"] == "rating.rate"


def test_ratings_and_follow_ups_are_asked_for_the_caller_with_the_filters(services, as_role):
    staff = as_role("department_staff")
    page = staff.get("/api/v1/ratings", params={"policy_id": 7, "stars": 1, "limit": 10, "offset": 20}).json()
    assert page["average"] == {"count": 0, "stars": None} and (page["limit"], page["offset"]) == (10, 20)
    follow_ups = staff.get("/api/v1/follow-ups", params={"status": "open"}).json()
    assert follow_ups["items"][0]["overdue"] is False
    (_, ratings_asked), (_, follow_ups_asked) = FakeEvaluation.calls[-2:]
    actor = ratings_asked[0]
    assert (actor["role"], actor["department"]) == ("department_staff", DEPARTMENT)
    assert ratings_asked[1:] == (None, 7, 1, 10, 20)
    assert follow_ups_asked[1:] == ("open", 50, 0)
    assert invalid_fields(staff.get("/api/v1/ratings", params={"stars": 9})) == {
        "stars": "Input should be less than or equal to 5"}
    assert as_role("window_clerk").get("/api/v1/ratings").status_code == 403


def test_a_follow_up_is_closed_with_its_outcome(services, as_role):
    closed = as_role("department_staff").post("/api/v1/follow-ups/5/close", json={"outcome": "已电话回访，问题已解决"})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "已电话回访，问题已解决")
    assert "outcome" in invalid_fields(as_role("county_staff").post("/api/v1/follow-ups/5/close", json={}))


# --- rounds -------------------------------------------------------------------------------------

ROUND = {"name": "2026年下半年惠企政策落实三评", "period_start": "2026-07-01", "period_end": "2026-12-31",
         "weights": WEIGHTS, "source_weights": SOURCE_WEIGHTS}


def test_the_administrator_opens_a_round_at_its_own_url(services, as_role):
    admin = as_role("city_admin")
    opened = admin.post("/api/v1/evaluations", json=ROUND)
    assert opened.status_code == 201
    assert opened.headers["Location"] == "/api/v1/evaluations/3"
    assert (opened.json()["weights"], opened.json()["source_weights"]) == (WEIGHTS, SOURCE_WEIGHTS)
    assert admin.get("/api/v1/evaluations/3").json()["name"] == ROUND["name"]
    assert admin.get("/api/v1/evaluations").json()["total"] == 1
    assert admin.get("/api/v1/evaluations/404").status_code == 404


def test_weights_that_do_not_sum_to_1_are_422_and_no_round_is_opened(services, as_role):
    fields = invalid_fields(as_role("city_admin").post("/api/v1/evaluations", json={
        **ROUND, "weights": {**WEIGHTS, "supply_match": 0.5}, "source_weights": {"platform": 1}}))
    assert fields == {"weights": "Value error, must sum to 1, not 1.3",
                      "source_weights": "Value error, must give exactly platform, self, survey, third_party "
                                        "(missing self, survey, third_party)"}


def test_only_the_administrator_opens_sets_and_closes_a_round(services, as_role):
    for role in ("department_staff", "assessor", "enterprise"):
        session = as_role(role)
        assert session.post("/api/v1/evaluations", json=ROUND).status_code == 403
        assert session.post("/api/v1/evaluations/3/close").status_code == 403
    assert as_role("enterprise").get("/api/v1/evaluations").status_code == 403


def test_a_unit_files_its_own_self_assessment(services, as_role):
    filing = {"scores": {"supply_match": 85, "feedback_responsiveness": 90.5}, "evidence": "2026年工作总结"}
    county = as_role("county_staff")
    filed = created(county.post("/api/v1/evaluations/3/self-assessments", json={**filing, "unit": COUNTY}))
    assert (filed["source"], filed["unit_kind"], filed["unit"]) == ("self", "county", COUNTY)
    assert filed["scores"] == {"supply_match": 85, "feedback_responsiveness": 90.5}   # only those given
    assert filed["filed_by"]["county"] == COUNTY
    # another unit's filing is refused by the evaluation service, the one home of that rule (the stand-in
    # here answers every filing): tests/e2e/test_evaluation.py and tests/unit/evaluation/domain/test_access.py


def test_an_assessor_files_for_any_unit_whose_kind_follows_from_its_code(services, as_role):
    assessor = as_role("assessor")
    body = {"scores": {"push_coverage": 70}, "evidence": "第三方评估报告"}
    assert created(assessor.post("/api/v1/evaluations/3/assessments", json={**body, "unit": "371602"}))[
        "unit_kind"] == "county"
    filed = created(assessor.post("/api/v1/evaluations/3/assessments", json={**body, "unit": "hrss"}))
    assert (filed["source"], filed["unit_kind"], filed["unit"]) == ("third_party", "department", "hrss")
    assert "unit_kind" in invalid_fields(assessor.post("/api/v1/evaluations/3/assessments", json={
        **body, "unit": "hrss", "unit_kind": "county"}))


def test_the_questionnaire_is_set_read_and_answered_once_per_question(services, as_role):
    questions = [{"text": "政策申报流程是否便捷？", "dimension": "redemption_satisfaction"}]
    round_ = as_role("city_admin").post("/api/v1/evaluations/3/survey", json={"questions": questions}).json()
    assert round_["survey"] == {"questions": questions}
    enterprise = as_role("enterprise")
    questionnaire = enterprise.get("/api/v1/evaluations/3/survey").json()
    assert (questionnaire["evaluation_id"], questionnaire["answered"]) == (3, False)
    answered = created(enterprise.post("/api/v1/evaluations/3/survey/responses", json={"answers": [4]}))
    assert (answered["uscc"], answered["answers"]) == (USCC, [4])
    # the gateway checks each answer; how many the questionnaire has is the service's to say
    assert set(invalid_fields(enterprise.post("/api/v1/evaluations/3/survey/responses",
                                              json={"answers": [0, "5"]}))) == {"answers.0", "answers.1"}
    assert invalid_fields(enterprise.post("/api/v1/evaluations/3/survey/responses", json={"answers": [4, 4]}))[
        "answers"] == "one per question"


def test_closing_gives_results_as_json_and_as_a_workbook_of_the_same_numbers(services, as_role):
    admin = as_role("city_admin")
    assert admin.post("/api/v1/evaluations/3/close").json()["status"] == "closed"
    assert admin.post("/api/v1/evaluations/409/close").status_code == 409
    results = as_role("counsellor").get("/api/v1/evaluations/3/results").json()
    assert [entry["unit"] for entry in results["departments"]] == ["hrss", "finance"]
    download = as_role("department_staff").get("/api/v1/evaluations/3/results.xlsx")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == XLSX
    disposition = download.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "评价结果-3.xlsx"
    workbook = load_workbook(io.BytesIO(download.content))
    assert workbook.sheetnames == ["部门排名", "县区排名", "政策得分", "权重"]
    departments = [[cell.value for cell in row] for row in workbook["部门排名"].iter_rows(min_row=2)]
    assert [(row[0], row[1], row[3], row[4], row[5]) for row in departments] == [
        (entry["rank"], entry["unit"], entry["score"], *entry["rank_range"]) for entry in RESULTS["departments"]]
    assert departments[0][6:11] == list(RESULTS["departments"][0]["dimensions"].values())
    assert [row[3] for row in workbook["权重"].iter_rows(min_row=2, max_row=10, values_only=True)] == [
        *WEIGHTS.values(), *SOURCE_WEIGHTS.values()]


def test_an_open_rounds_results_are_409_as_json_and_as_a_workbook(services, as_role):
    staff = as_role("assessor")
    for path in ("/api/v1/evaluations/409/results", "/api/v1/evaluations/409/results.xlsx"):
        answer = staff.get(path)
        assert answer.status_code == 409
        assert answer.json()["error"]["details"] == {"status": "open"}
    assert as_role("enterprise").get("/api/v1/evaluations/3/results.xlsx").status_code == 403


# --- rectifications -------------------------------------------------------------------------------

def test_a_rectification_goes_from_issued_to_verified(services, as_role):
    admin, unit = as_role("city_admin"), as_role("department_staff")
    issued = admin.post("/api/v1/rectifications", json={"evaluation_id": 3, "unit": DEPARTMENT,
                                                        "problem": "差评回访不及时", "due_on": "2027-03-31"})
    assert issued.status_code == 201 and issued.headers["Location"] == "/api/v1/rectifications/21"
    assert (issued.json()["unit_kind"], issued.json()["due_on"]) == ("department", "2027-03-31")
    moved = unit.post("/api/v1/rectifications/21/progress", json={"text": "已建立回访台账"}).json()
    assert (moved["status"], moved["history"][-1]["action"]) == ("in_progress", "progress")
    moved = unit.post("/api/v1/rectifications/21/complete", json={"evidence": "台账及回访记录"}).json()
    assert moved["status"] == "completed"
    moved = admin.post("/api/v1/rectifications/21/verify").json()
    assert (moved["status"], moved["verified_at"]) == ("verified", "2027-02-01T02:00:00+00:00")
    reopened = admin.post("/api/v1/rectifications/21/reopen", json={"reason": "证据不足"}).json()
    assert reopened["history"][-1] == {"action": "reopen", "text": "证据不足",
                                       "by": {"role": "city_admin", "id": "city-admin", "department": None,
                                              "county": None, "uscc": None}, "at": "2027-01-10T02:00:00+00:00"}
    conflict = admin.post("/api/v1/rectifications/409/verify")
    assert conflict.status_code == 409 and "issued" in conflict.json()["error"]["message"]


def test_rectifications_are_listed_with_the_filters_and_steps_are_taken_by_their_roles(services, as_role):
    assessor = as_role("assessor")
    page = assessor.get("/api/v1/rectifications", params={"evaluation_id": 3, "unit": COUNTY,
                                                          "status": "issued"}).json()
    assert page["total"] == 1
    assert FakeEvaluation.calls[-1][1][1:] == (3, COUNTY, "issued", 50, 0)
    assert assessor.get("/api/v1/rectifications/21").json()["id"] == 21
    assert assessor.post("/api/v1/rectifications/21/progress", json={"text": "x"}).status_code == 403
    assert as_role("city_admin").post("/api/v1/rectifications/21/complete", json={"evidence": "x"}).status_code == 403
    assert as_role("department_staff").post("/api/v1/rectifications/21/verify").status_code == 403
    assert "due_on" in invalid_fields(as_role("city_admin").post("/api/v1/rectifications", json={
        "evaluation_id": 3, "unit": DEPARTMENT, "problem": "x", "due_on": "2027-3-31"}))


# --- alarms of both services ----------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "limit"), [(0, 50), (0, 3), (2, 4), (5, 5), (11, 5), (12, 1), (30, 5)])
def test_alarms_of_both_services_are_one_list_newest_first(services, as_role, offset, limit):
    page = as_role("department_staff").get("/api/v1/alarms", params={"offset": offset, "limit": limit}).json()
    assert page["items"] == MERGED[offset:offset + limit]
    assert (page["total"], page["offset"], page["limit"], page["warnings"]) == (12, offset, limit, [])


def test_a_far_page_is_found_without_reading_what_comes_before_it(services, as_role):
    page = as_role("city_admin").get("/api/v1/alarms", params={"offset": 999, "limit": 2}).json()
    assert (page["items"], page["total"]) == ([], 15)
    assert all(limit <= 2 for _, limit, _ in AlarmingApplication.calls + AlarmingCounselling.calls)


@pytest.mark.parametrize(("offset", "limit"), [(0, 50), (0, 4), (1, 3), (6, 6), (13, 5), (15, 1)])
def test_the_city_administrators_alarms_hold_the_counsellors_problems_too(services, as_role, offset, limit):
    page = as_role("city_admin").get("/api/v1/alarms", params={"offset": offset, "limit": limit}).json()
    assert page["items"] == ALL_MERGED[offset:offset + limit]
    assert (page["total"], page["offset"], page["limit"], page["warnings"]) == (15, offset, limit, [])
    assert offset or {alarm["kind"] for alarm in page["items"]} == {"overdue", "follow_up_overdue",
                                                                   "problem_unanswered"}


def test_a_counsellors_alarms_are_its_teams_problems_alone(services, as_role):
    page = as_role("counsellor").get("/api/v1/alarms", params={"limit": 2, "offset": 1}).json()
    assert page == {"items": COUNSELLING_ALARMS[1:3], "total": 3, "limit": 2, "offset": 1, "warnings": []}
    assert AlarmingCounselling.calls == [("counsellor", 2, 1)] and AlarmingApplication.calls == []
    assert as_role("department_staff").get("/api/v1/alarms").json()["total"] == 12    # no counsellors' problems


def test_without_the_counselling_service_the_city_administrator_gets_the_rest_with_a_warning(
        without_counselling, as_role, rpc_queues):
    rpc_queues.never_started("counselling")
    page = as_role("city_admin").get("/api/v1/alarms", params={"limit": 4, "offset": 2})
    assert page.status_code == 200
    assert page.json() == {"items": MERGED[2:6], "total": 12, "limit": 4, "offset": 2,
                           "warnings": [COUNSELLING_SILENT]}


def test_the_windows_alarms_are_the_application_services_alone(services, as_role):
    page = as_role("window_clerk").get("/api/v1/alarms").json()
    assert page["total"] == len(APPLICATION_ALARMS) and page["warnings"] == []
    assert not [call for call in FakeEvaluation.calls if call[0] == "alarms"]


@pytest.mark.parametrize("evaluation", ["never started", "stopped"])
def test_without_the_evaluation_service_the_application_alarms_come_with_a_warning(
        without_evaluation, as_role, rpc_queues, evaluation):
    (rpc_queues.never_started if evaluation == "never started" else rpc_queues.stopped)("evaluation")
    page = as_role("county_staff").get("/api/v1/alarms", params={"limit": 3, "offset": 1})
    assert page.status_code == 200
    assert page.json() == {"items": APPLICATION_ALARMS[1:4], "total": len(APPLICATION_ALARMS), "limit": 3,
                           "offset": 1, "warnings": [EVALUATION_SILENT]}


def test_without_the_evaluation_service_its_own_routes_are_503_naming_it(without_evaluation, as_role, rpc_queues):
    rpc_queues.never_started("evaluation")
    answer = as_role("city_admin").get("/api/v1/evaluations")
    assert answer.status_code == 503
    assert answer.json()["error"]["details"] == {"service": "evaluation"}
