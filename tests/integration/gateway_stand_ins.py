"""What the gateway's integration tests run it with: the administrator's token, a short RPC
timeout, and small stand-ins for the services it calls (the fixtures are in conftest.py)."""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from shared.errors import EXPECTED, Conflict, Invalid, NotFound
from shared.logs import correlation_id_of
from shared.rpc import rpc

ADMIN_TOKEN = "gateway-test-admin-token"
RPC_TIMEOUT_S = 4.0  # short enough to wait for, long enough for a reply with four test processes on two cores
USCC = "913716024JURQ28300"
PACK = {"code": "abcdefgh", "title": "新办企业大礼包", "description": None, "policies": []}
PACK_VISITS: list[str] = []  # the codes FakePolicy.visit_pack counted a scan of, in order


class CorrelationId(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return correlation_id_of(worker_ctx)


CONTACT_PHONE = "13812341234"


class FakeTagging:
    name = "tagging"
    correlation_id = CorrelationId()

    @rpc
    def health(self):
        return {"service": "tagging", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc):
        if uscc != USCC:
            raise NotFound(f"no enterprise {uscc} is known to the platform", {"uscc": uscc})
        return {"uscc": uscc, "name": "滨州测试有限公司", "employees": 120, "status": "active", "version": 3,
                "tags": ["scale.small"], "sources": {"name": {"source": "market-regulation", "sequence": 17,
                                                               "at": "2026-11-27T01:30:00+00:00"}},
                "updated_at": "2026-11-27T01:30:00+00:00", "correlation_id": self.correlation_id}

    @rpc
    def contact_phone(self, uscc):
        return CONTACT_PHONE if uscc == USCC else None

    @rpc
    def tags(self, include_retired=False):
        return {"categories": [{"code": "scale", "name": "规模"}], "tags": [], "asked": [include_retired]}

    @rpc
    def quarantine(self, limit=50, offset=0, state="waiting"):
        return {"items": [], "total": 0, "asked": [limit, offset, state]}

    @rpc
    def dead_letters(self, include_replayed=False, limit=100):
        return [{"id": 1, "queue": "tagging.gov_events", "asked": [include_replayed, limit]}]


class FakePolicy:
    name = "policy"

    @rpc
    def health(self):
        return {"service": "policy", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def department(self, code):
        """Every code is in this register but `unknown_department` (the real register:
        tests/integration/test_departments.py)."""
        if code == "unknown_department":
            raise Invalid(f"department {code!r} is not in the register of departments", {"department": code})
        return {"code": code, "name": f"测试部门 {code}"}

    @rpc(expected_exceptions=EXPECTED)
    def create_draft(self, draft, actor):
        return {"id": 7, **draft, "status": "draft", "version": 1, "created_by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def preview(self, eligibility_json, sample=10):
        return {"active": 3, "matching": 1, "sample": [{"uscc": USCC, "name": "滨州测试有限公司"}][:sample],
                "asked": [eligibility_json, sample]}

    @rpc(expected_exceptions=EXPECTED)
    def publish(self, policy_id, actor):
        raise Conflict(f"policy {policy_id} is already published", {"status": "published"})

    @rpc
    def search(self, filters, hide_drafts, limit, offset):
        return {"items": [], "total": 0, "asked": [filters, hide_drafts, limit, offset]}

    @rpc(expected_exceptions=EXPECTED)
    def get(self, policy_id):
        if policy_id == 13:
            return {}["unlucky"]  # a bug in the service: KeyError
        if policy_id == 5:
            return {"id": 5, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
                    "status": "published", "version": 1}
        raise NotFound(f"no policy {policy_id}")

    @rpc(expected_exceptions=EXPECTED)
    def visit_pack(self, code):
        """A gift pack's public page, counted as one scan in PACK_VISITS; `abcdefgh` is the one pack."""
        if code != PACK["code"]:
            raise NotFound(f"no gift pack {code}")
        PACK_VISITS.append(code)
        return PACK

    @rpc
    def enterprise_policies(self, uscc):
        return [{"policy_id": 7, "title": "稳岗补贴", "matched_at": "2026-11-27T01:30:00+00:00",
                 "explanation": {"tag": "scale.small", "held": True}}]


    @rpc
    def enterprise_near_misses(self, uscc, offset=0, limit=50):
        return {"items": [], "total": 0, "offset": offset, "limit": limit}


class FakeApplication:
    name = "application"

    @rpc
    def health(self):
        return {"service": "application", "ok": True}


class FakeNotification:
    name = "notification"

    @rpc
    def health(self):
        return {"service": "notification", "ok": True}

    @rpc
    def inbox(self, uscc, limit=50, offset=0):
        items = [{"id": 12 - n, "policy_id": 7, "evaluation_id": None, "kind": "policy_matched", "title": "稳岗补贴",
                  "created_at": "2026-11-27T01:30:00+00:00", "read_at": None} for n in range(offset, offset + limit)]
        return {"items": items[:2], "total": 12, "unread": 3}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, uscc, notification_id):
        return {"id": notification_id, "policy_id": 7, "evaluation_id": None, "kind": "policy_matched",
                "title": "稳岗补贴", "created_at": "2026-11-27T01:30:00+00:00", "read_at": "2026-11-27T02:00:00+00:00"}


    @rpc(expected_exceptions=EXPECTED)
    def preferences(self, uscc):
        return {"uscc": uscc, "kinds": {"policy_matched": ["in_app"]}, "quiet_hours": ["21:00", "08:00"],
                "digest": "immediate", "channels_available": {"in_app": True, "sms": False, "email": False,
                                                              "wechat": False}, "updated_at": None}

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, uscc, change):
        return {**self.preferences(uscc), **change, "updated_at": "2026-11-27T02:00:00+00:00"}

    @rpc(expected_exceptions=EXPECTED)
    def contacts(self, uscc):
        return {"uscc": uscc, "phone": "13812341234", "email": "office@example.com", "updated_at": None}

    @rpc(expected_exceptions=EXPECTED)
    def set_contacts(self, uscc, change):
        return {**self.contacts(uscc), **change, "updated_at": "2026-11-27T02:00:00+00:00"}

    @rpc(expected_exceptions=EXPECTED)
    def deliveries(self, uscc, limit=50, offset=0):
        item = {"id": 3, "kind": "policy_matched", "notification_id": 12, "channel": "sms", "recipient": "13812341234",
                "text": "【惠企平台】新匹配政策：稳岗补贴 详见http://127.0.0.1:8000/", "status": "sent", "attempts": 1,
                "reason": None, "provider_answer": '{"accepted": true}', "provider_id": "sink-1",
                "next_attempt_at": None, "created_at": "2026-11-27T01:30:00+00:00",
                "sent_at": "2026-11-27T01:30:01+00:00"}
        return {"items": [item], "total": 1}

    @rpc(expected_exceptions=EXPECTED)
    def staff_deliveries(self, account_id, limit=50, offset=0):
        item = {"id": 4, "kind": "alarm", "notification_id": None, "channel": "email",
                "recipient": "audit@finance.example.gov.cn", "text": "【惠企平台】预警：申请12的审核环节已超期 详见http://127.0.0.1:8000/",
                "status": "sent", "attempts": 1, "reason": None, "provider_answer": "250 accepted",
                "provider_id": "<alarm.x@huiqi>", "next_attempt_at": None, "created_at": "2026-11-27T01:30:00+00:00",
                "sent_at": "2026-11-27T01:30:01+00:00"}
        return {"items": [item], "total": 1}


class FakeEvaluation:
    """The evaluation service's RPCs as EVALUATION.md names them, answering fixed shapes built from what
    they were asked; the lists also record how they were asked in `calls` (the containers run in the
    test's process). Only for the gateway's own tests: the evaluation service's own tests run the real
    one."""

    name = "evaluation"
    calls: list[tuple[str, tuple]] = []

    @rpc
    def health(self):
        return {"service": "evaluation", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def rate(self, actor, subject, stars, policy_id=None, application_id=None, comment=None):
        if application_id == 404:
            raise NotFound(f"no application {application_id}", {"application_id": application_id})
        if application_id == 409:
            raise Conflict("application 409 is in review; rate it once it is completed or rejected",
                           {"stage": "review"})
        follow_up = None if stars > 2 else {"id": 5, "status": "open", "due_at": "2026-12-08T15:59:59+00:00",
                                            "due_provisional": False, "outcome": None, "closed_at": None}
        return {"id": 11, "uscc": actor["uscc"], "subject": subject, "policy_id": policy_id,
                "application_id": application_id, "department": "finance", "stars": stars, "comment": comment,
                "rated_at": "2026-12-01T02:00:00+00:00", "follow_up": follow_up, "history": []}

    @rpc
    def ratings(self, actor, department=None, policy_id=None, stars=None, limit=50, offset=0):
        self.calls.append(("ratings", (actor, department, policy_id, stars, limit, offset)))
        return {"items": [], "total": 0, "limit": limit, "offset": offset, "average": {"count": 0, "stars": None}}

    @rpc
    def follow_ups(self, actor, status=None, limit=50, offset=0):
        self.calls.append(("follow_ups", (actor, status, limit, offset)))
        return {"items": [FOLLOW_UP], "total": 1, "limit": limit, "offset": offset}

    @rpc(expected_exceptions=EXPECTED)
    def close_follow_up(self, actor, follow_up_id, outcome):
        return {**FOLLOW_UP, "id": follow_up_id, "status": "closed", "outcome": outcome,
                "closed_at": "2026-12-02T02:00:00+00:00"}

    @rpc(expected_exceptions=EXPECTED)
    def open_round(self, actor, name, period_start, period_end, weights, source_weights):
        return {**ROUND, "name": name, "period_start": period_start, "period_end": period_end, "weights": weights,
                "source_weights": source_weights}

    @rpc
    def rounds(self, actor, limit=50, offset=0):
        return {"items": [ROUND], "total": 1, "limit": limit, "offset": offset}

    @rpc(expected_exceptions=EXPECTED)
    def round(self, actor, evaluation_id):
        if evaluation_id == 404:
            raise NotFound(f"no evaluation round {evaluation_id}")
        return {**ROUND, "id": evaluation_id}

    @rpc(expected_exceptions=EXPECTED)
    def file_self_assessment(self, actor, evaluation_id, unit, scores, evidence):
        kind = "county" if actor["role"] == "county_staff" else "department"
        return filing(evaluation_id, "self", kind, unit, scores, evidence, actor)

    @rpc(expected_exceptions=EXPECTED)
    def file_assessment(self, actor, evaluation_id, unit_kind, unit, scores, evidence):
        return filing(evaluation_id, "third_party", unit_kind, unit, scores, evidence, actor)

    @rpc(expected_exceptions=EXPECTED)
    def set_survey(self, actor, evaluation_id, questions):
        return {**ROUND, "id": evaluation_id, "survey": {"questions": questions}}

    @rpc(expected_exceptions=EXPECTED)
    def survey(self, actor, evaluation_id):
        return {"evaluation_id": evaluation_id, "name": ROUND["name"],
                "questions": [{"text": "政策是否好懂？", "dimension": "supply_match"}], "answered": False}

    @rpc(expected_exceptions=EXPECTED)
    def answer_survey(self, actor, evaluation_id, answers):
        if len(answers) != 1:
            raise Invalid(f"answers: give one answer per question, 1 question, not {len(answers)}",
                          [{"field": "answers", "message": "one per question"}])
        return {"evaluation_id": evaluation_id, "uscc": actor["uscc"], "answers": answers,
                "answered_at": "2026-12-03T02:00:00+00:00"}

    @rpc(expected_exceptions=EXPECTED)
    def close_round(self, actor, evaluation_id):
        if evaluation_id == 409:
            raise Conflict(f"evaluation round {evaluation_id} is closed already", {"status": "closed"})
        return {**ROUND, "id": evaluation_id, "status": "closed", "closed_at": "2027-01-05T02:00:00+00:00"}

    @rpc(expected_exceptions=EXPECTED)
    def results(self, actor, evaluation_id):
        if evaluation_id == 409:
            raise Conflict(f"evaluation round {evaluation_id} is open: no results until it is closed",
                           {"status": "open"})
        return {**RESULTS, "evaluation_id": evaluation_id}

    @rpc(expected_exceptions=EXPECTED)
    def issue_rectification(self, actor, evaluation_id, unit_kind, unit, problem, due_on):
        return {**RECTIFICATION, "evaluation_id": evaluation_id, "unit_kind": unit_kind, "unit": unit,
                "problem": problem, "due_on": due_on, "history": [step("issue", problem, actor)]}

    @rpc
    def rectifications(self, actor, evaluation_id=None, unit=None, status=None, limit=50, offset=0):
        self.calls.append(("rectifications", (actor, evaluation_id, unit, status, limit, offset)))
        return {"items": [RECTIFICATION], "total": 1, "limit": limit, "offset": offset}

    @rpc(expected_exceptions=EXPECTED)
    def rectification(self, actor, rectification_id):
        return {**RECTIFICATION, "id": rectification_id}

    @rpc(expected_exceptions=EXPECTED)
    def report_rectification(self, actor, rectification_id, text):
        return moved(rectification_id, "in_progress", step("progress", text, actor))

    @rpc(expected_exceptions=EXPECTED)
    def complete_rectification(self, actor, rectification_id, evidence):
        return moved(rectification_id, "completed", step("complete", evidence, actor))

    @rpc(expected_exceptions=EXPECTED)
    def verify_rectification(self, actor, rectification_id):
        if rectification_id == 409:
            raise Conflict("rectification 409 is issued: only a completed one is verified", {"status": "issued"})
        return {**moved(rectification_id, "verified", step("verify", None, actor)),
                "verified_at": "2027-02-01T02:00:00+00:00"}

    @rpc(expected_exceptions=EXPECTED)
    def reopen_rectification(self, actor, rectification_id, reason):
        return moved(rectification_id, "in_progress", step("reopen", reason, actor))

    @rpc
    def alarms(self, actor, limit=50, offset=0):
        self.calls.append(("alarms", (actor, limit, offset)))
        return {"items": [], "total": 0, "limit": limit, "offset": offset}


ACTOR = {"role": "city_admin", "id": "city-admin"}
WEIGHTS = {"supply_match": 0.2, "push_coverage": 0.2, "demand_enjoyment": 0.2, "redemption_satisfaction": 0.2,
           "feedback_responsiveness": 0.2}
SOURCE_WEIGHTS = {"platform": 0.4, "self": 0.2, "survey": 0.2, "third_party": 0.2}
ROUND = {"id": 3, "name": "2026年下半年惠企政策落实三评", "period_start": "2026-07-01", "period_end": "2026-12-31",
         "weights": WEIGHTS, "source_weights": SOURCE_WEIGHTS, "status": "open", "survey": None,
         "created_at": "2026-07-01T01:00:00+00:00", "closed_at": None}
FOLLOW_UP = {"id": 5, "rating_id": 11, "uscc": USCC, "policy_id": 7, "department": "finance", "stars": 1,
             "due_at": "2026-12-08T15:59:59+00:00", "due_provisional": False, "status": "open", "outcome": None,
             "closed_at": None, "overdue": False}
RECTIFICATION = {"id": 21, "evaluation_id": 3, "unit_kind": "department", "unit": "finance", "problem": "回访不及时",
                 "due_on": "2027-03-31", "status": "issued", "overdue": False,
                 "history": [{"action": "issue", "text": "回访不及时", "by": ACTOR, "at": "2027-01-06T02:00:00+00:00"}],
                 "issued_at": "2027-01-06T02:00:00+00:00", "verified_at": None}


def _result(unit, name, score, rank):
    return {"unit": unit, "name": name, "score": score, "rank": rank, "rank_range": [rank, rank + 1],
            "dimensions": {"supply_match": score, "push_coverage": None, "demand_enjoyment": 50.0,
                           "redemption_satisfaction": 75.0, "feedback_responsiveness": 100.0},
            "sources": {"platform": score, "self": 80.0, "survey": None, "third_party": 60.0}}


RESULTS = {"evaluation_id": 3, "name": ROUND["name"], "period_start": "2026-07-01", "period_end": "2026-12-31",
           "weights": WEIGHTS, "source_weights": SOURCE_WEIGHTS, "closed_at": "2027-01-05T02:00:00+00:00",
           "departments": [_result("hrss", "市人力资源和社会保障局", 81.25, 1),
                           _result("finance", "市财政局", 62.5, 2)],
           "counties": [_result("371625", "博兴县", 70.0, 1)],
           "policies": [_result("7", "稳岗补贴", 90.125, 1)]}


def filing(evaluation_id, source, unit_kind, unit, scores, evidence, actor):
    return {"id": 31, "evaluation_id": evaluation_id, "source": source, "unit_kind": unit_kind, "unit": unit,
            "scores": scores, "evidence": evidence, "filed_by": actor, "filed_at": "2026-12-10T02:00:00+00:00"}


def step(action, text, actor):
    return {"action": action, "text": text, "by": actor, "at": "2027-01-10T02:00:00+00:00"}


def moved(rectification_id, status, last):
    return {**RECTIFICATION, "id": rectification_id, "status": status, "history": [*RECTIFICATION["history"], last]}


TEAM = {"id": 1, "name": "博兴县金融辅导队", "level": "county", "county": "371625",
        "created_at": "2026-12-01T02:00:00+00:00"}


class FakeCounselling:
    """The counselling service's RPCs, answering fixed shapes; the counselling service's own tests run the
    real one. A team other than 1 is unknown (404, 422 for a new account's `team_id`)."""

    name = "counselling"

    @rpc
    def health(self):
        return {"service": "counselling", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def check_team(self, team_id):
        if team_id != 1:
            raise Invalid(f"team_id：没有编号为 {team_id} 的辅导团队", {"field": "team_id"})
        return TEAM

    @rpc(expected_exceptions=EXPECTED)
    def create_team(self, actor, name, level, county=None):
        return {**TEAM, "name": name, "level": level, **({"county": county} if county else {})}

    @rpc
    def teams(self, actor):
        return {"items": [{**TEAM, "enterprise_count": 1}], "total": 1}

    @rpc(expected_exceptions=EXPECTED)
    def team(self, actor, team_id):
        if team_id != 1:
            raise NotFound(f"没有编号为 {team_id} 的辅导团队", {"team_id": team_id})
        return {**TEAM, "enterprises": [{"uscc": USCC, "name": "滨州测试有限公司"}]}

    @rpc(expected_exceptions=EXPECTED)
    def assign_enterprises(self, actor, team_id, usccs):
        return {**TEAM, "id": team_id, "enterprises": [{"uscc": uscc, "name": None} for uscc in usccs]}

    @rpc
    def add_visit(self, actor, uscc, visited_on, notes, financing_need=None):
        return {"id": 1, "uscc": uscc, "team_id": 1, "visited_on": visited_on, "notes": notes,
                "financing_need": financing_need, "created_at": TEAM["created_at"], "created_by": actor["id"]}

    @rpc
    def visits(self, actor, uscc, limit=50, offset=0):
        return {"items": [], "total": 0, "limit": limit, "offset": offset}

    @rpc
    def put_plan(self, actor, uscc, needs, measures, amount_coordinated):
        return self.plan(actor, uscc)

    @rpc
    def plan(self, actor, uscc):
        return {"uscc": uscc, "enterprise_name": None, "team_id": 1, "needs": None, "measures": None,
                "amount_coordinated": None, "version": 0, "updated_at": None, "updated_by": None,
                "financing_policies": []}

    def _problem(self, problem_id, uscc=USCC):
        return {"id": problem_id, "uscc": uscc, "enterprise_name": None, "team_id": 1, "text": "融资难",
                "status": "open", "raised_at": TEAM["created_at"], "raised_by": "enterprise-1",
                "due_at": "2026-12-02T02:00:00+00:00", "first_answered_at": None, "resolved_at": None,
                "answered_in_time": False, "overdue": False, "alarm_stage": 0, "age_hours": 1.0, "responses": []}

    @rpc(expected_exceptions=EXPECTED)
    def raise_problem(self, actor, uscc, text):
        """As the counselling service judges it (`access.check_raiser`): team 1 serves USCC only."""
        from services.counselling.domain import access
        from shared.contracts.actors import Actor

        access.check_raiser(Actor.model_validate(actor), uscc, 1 if uscc == USCC else 2)
        return self._problem(1, uscc)

    @rpc(expected_exceptions=EXPECTED)
    def problem(self, actor, problem_id):
        if problem_id != 1:
            raise NotFound(f"没有编号为 {problem_id} 的问题", {"problem_id": problem_id})
        return self._problem(problem_id)

    @rpc(expected_exceptions=EXPECTED)
    def respond(self, actor, problem_id, text, status):
        return {**self.problem(actor, problem_id), "status": status}

    @rpc
    def ledger(self, actor, team_id=None, status=None, limit=50, offset=0):
        return {"items": [], "total": 0, "limit": limit, "offset": offset, "teams": []}

    @rpc
    def alarms(self, actor, limit=50, offset=0):
        return {"items": [], "total": 0, "limit": limit, "offset": offset}

    @rpc
    def statistics(self, actor):
        return {"items": [], "total": 0}
