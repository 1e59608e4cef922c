"""Who acts and what happened, for the evaluation service's integration tests: actors as the gateway sends
them, and the platform events other services publish, at the times a test chooses."""
from __future__ import annotations

from datetime import datetime, timedelta

from shared import clock
from shared.contracts.actors import Actor, Role
from shared.contracts.events import (
    ApplicationChanged,
    EnterpriseSnapshot,
    EnterprisesTagged,
    MatchesChanged,
    NotificationRead,
    NotificationsDelivered,
    PolicyPublished,
    PolicyWithdrawn,
    QuestionAnswered,
    QuestionAsked,
)

ADMIN = Actor(role=Role.city_admin, id="city-admin").model_dump(mode="json")
ASSESSOR = Actor(role=Role.assessor, id="assessor-1").model_dump(mode="json")
CLERK = Actor(role=Role.window_clerk, id="clerk").model_dump(mode="json")
WEIGHTS = {"supply_match": 0.2, "push_coverage": 0.2, "demand_enjoyment": 0.2, "redemption_satisfaction": 0.2,
           "feedback_responsiveness": 0.2}
SOURCE_WEIGHTS = {"platform": 0.4, "self": 0.2, "survey": 0.2, "third_party": 0.2}


def staff(department: str, who: str = "staff") -> dict:
    return Actor(role=Role.department_staff, id=f"{who}-{department}", department=department).model_dump(mode="json")


def county_staff(county: str) -> dict:
    return Actor(role=Role.county_staff, id=f"staff-{county}", county=county).model_dump(mode="json")


def enterprise(uscc: str) -> dict:
    return Actor(role=Role.enterprise, id=f"enterprise-{uscc}", uscc=uscc).model_dump(mode="json")


def days_ago(days: float) -> datetime:
    return clock.now() - timedelta(days=days)


def uscc(number: int) -> str:
    return f"91371600MA{number:08d}"


def published(policy_id: int, *, department: str = "finance", at: datetime, level: str = "city",
              county: str | None = None, tags_used: tuple[str, ...] = (), redeemable: bool = False,
              proactive: bool = False, version: int = 1, title: str | None = None) -> PolicyPublished:
    return PolicyPublished(policy_id=policy_id, version=version, title=title or f"政策{policy_id}",
                           department=department, tags_used=list(tags_used), level=level, county=county,
                           redeemable=redeemable, proactive=proactive, occurred_at=at)


def withdrawn(policy_id: int, *, at: datetime) -> PolicyWithdrawn:
    return PolicyWithdrawn(policy_id=policy_id, version=2, occurred_at=at)


def matched(matches: dict[int, list[str]], *, at: datetime, unmatched: dict[int, list[str]] | None = None):
    return MatchesChanged(matched=matches, unmatched=unmatched or {}, occurred_at=at,
                          titles={policy_id: f"政策{policy_id}" for policy_id in matches})


def tagged(*snapshots: tuple[str, int, list[str]], at: datetime | None = None) -> EnterprisesTagged:
    return EnterprisesTagged(enterprises=[
        EnterpriseSnapshot(uscc=code, version=version, status="active", facts={"name": code, "employees": 9},
                           tags=["scale.small", *interests]) for code, version, interests in snapshots],
        **({"occurred_at": at} if at else {}))


def moved(application_id: int, policy_id: int, enterprise_code: str, from_stage: str | None, to_stage: str, *,
          at: datetime, due_at: datetime | None = None, left_stage_due_at: datetime | None = None,
          department: str = "finance", proactive: bool = False, action: str = "accept") -> ApplicationChanged:
    return ApplicationChanged(application_id=application_id, policy_id=policy_id, policy_title=f"政策{policy_id}",
                              uscc=enterprise_code, action=action, from_stage=from_stage, to_stage=to_stage,
                              proactive=proactive, actor_role="window_clerk", department=department, due_at=due_at,
                              left_stage_due_at=left_stage_due_at, occurred_at=at)


def asked(question_id: int, policy_id: int, enterprise_code: str, *, at: datetime, due_at: datetime,
          department: str = "finance") -> QuestionAsked:
    return QuestionAsked(question_id=question_id, policy_id=policy_id, department=department, uscc=enterprise_code,
                         due_at=due_at, occurred_at=at)


def answered(question_id: int, policy_id: int, enterprise_code: str, *, at: datetime, due_at: datetime,
             department: str = "finance") -> QuestionAnswered:
    return QuestionAnswered(question_id=question_id, policy_id=policy_id, department=department,
                            uscc=enterprise_code, due_at=due_at, occurred_at=at)


def delivered(counts: dict[int, int], *, at: datetime) -> NotificationsDelivered:
    return NotificationsDelivered(kind="policy_matched", counts=counts, occurred_at=at)


def read(notification_id: int, policy_id: int, enterprise_code: str, *, at: datetime) -> NotificationRead:
    return NotificationRead(notification_id=notification_id, uscc=enterprise_code, kind="policy_matched",
                            policy_id=policy_id, read_at=at, occurred_at=at)


# --- a half-year round: two departments, one county ---------------------------------------------------------

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=clock.CHINA)     # the clock of the round's tests: a Sunday
PERIOD = ("2026-07-01", "2026-12-31")
FIRST, SECOND, THIRD, FOURTH, OUTSIDER = (uscc(number) for number in range(1, 6))


def china(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=clock.CHINA)


def half_year_events() -> list[list]:
    """What happened in the second half of 2026, batch by batch: finance's policy 1 (city level, redeemable,
    for enterprises interested in financing) is matched, read, redeemed and its stages left on time; agri's
    policy 2 (Boxing county level, proactive) is matched, never read, its stage left late; finance's policy 3
    was withdrawn before the period began."""
    return [
        [tagged((FIRST, 1, ["interest.financing"]), (SECOND, 1, ["interest.financing"]),
                (THIRD, 1, ["interest.talent"]), (FOURTH, 1, []), (OUTSIDER, 1, ["interest.financing"]))],
        [published(1, at=china("2026-06-01T09:00"), tags_used=("interest.financing",), redeemable=True,
                   title="小微企业融资贴息"),
         published(2, at=china("2026-08-01T09:00"), department="agri", level="county", county="371625",
                   redeemable=True, proactive=True, title="博兴县农业补贴"),
         published(3, at=china("2026-05-01T09:00"), title="已撤回的政策"),
         withdrawn(3, at=china("2026-06-15T09:00"))],
        [matched({1: [FIRST, SECOND], 3: [FIRST]}, at=china("2026-07-10T09:00"))],
        [matched({2: [THIRD, FOURTH]}, at=china("2026-08-05T09:00"))],
        [delivered({1: 2}, at=china("2026-07-10T09:01")), delivered({2: 2}, at=china("2026-08-05T09:01"))],
        [read(1, 1, FIRST, at=china("2026-07-11T09:00"))],
        [moved(11, 1, FIRST, None, "acceptance", at=china("2026-08-01T09:00"), due_at=china("2026-08-03T23:59:59"),
               action="submit"),
         moved(11, 1, FIRST, "acceptance", "review", at=china("2026-08-03T10:00"),
               left_stage_due_at=china("2026-08-03T23:59:59")),
         moved(11, 1, FIRST, "review", "completed", at=china("2026-09-01T10:00"),
               left_stage_due_at=china("2026-09-02T23:59:59"), action="disburse")],
        [moved(12, 2, THIRD, None, "confirmation", at=china("2026-08-06T09:00"), department="agri", proactive=True,
               action="create"),
         moved(12, 2, THIRD, "confirmation", "review", at=china("2026-08-07T09:00"), department="agri",
               proactive=True, action="confirm"),
         moved(12, 2, THIRD, "review", "completed", at=china("2026-09-20T09:00"), department="agri",
               proactive=True, left_stage_due_at=china("2026-08-14T23:59:59"), action="disburse")],
        [asked(21, 2, FOURTH, at=china("2026-10-01T09:00"), due_at=china("2026-10-12T23:59:59"),
               department="agri")],
    ]


QUESTIONS = [{"text": "政策兑现是否及时？", "dimension": "redemption_satisfaction"},
             {"text": "政策是否符合企业需求？", "dimension": "supply_match"}]


def open_half_year(rpc) -> dict:
    return rpc.open_round(ADMIN, name="2026年下半年惠企政策落实三评", period_start=PERIOD[0], period_end=PERIOD[1],
                          weights=WEIGHTS, source_weights=SOURCE_WEIGHTS)


def take_part(rpc, evaluation_id: int) -> None:
    """Ratings, the questionnaire and its answers, both self-assessments and two third-party scores."""
    rpc.rate(enterprise(FIRST), subject="push", policy_id=1, stars=5)
    rpc.rate(enterprise(THIRD), subject="application", application_id=12, stars=1, comment="拨付太慢")
    rpc.set_survey(ADMIN, evaluation_id, QUESTIONS)
    rpc.answer_survey(enterprise(FIRST), evaluation_id, [5, 4])
    rpc.answer_survey(enterprise(THIRD), evaluation_id, [1, 2])
    rpc.file_self_assessment(staff("finance"), evaluation_id, unit="finance",
                             scores={"supply_match": 90, "feedback_responsiveness": 95}, evidence="工作台账")
    rpc.file_self_assessment(staff("agri"), evaluation_id, unit="agri", scores={"supply_match": 80},
                             evidence="自查报告")
    rpc.file_assessment(ASSESSOR, evaluation_id, unit_kind="department", unit="finance",
                        scores={"push_coverage": 88}, evidence="抽查记录")
    rpc.file_assessment(ASSESSOR, evaluation_id, unit_kind="county", unit="371625",
                        scores={"push_coverage": 40}, evidence="抽查记录")
