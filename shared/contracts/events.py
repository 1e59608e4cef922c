"""The platform's own events on `huiqi.events`: frozen, versioned, named as past facts.

A batch is the unit everywhere: a single change is a batch of one, so bulk synchronisation and
single changes take the same path through tagging, matching and the inbox.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import clock
from shared.contracts.bounds import one_of
from shared.contracts.gov import Status
from shared.money import Yuan
from shared.topology import APPLICATION_MOVES, PLATFORM_EVENTS

ALARMS_PER_EVENT = 500


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    """The platform's now, time travel included: what happened is dated as every service sees it."""
    return clock.now()


class PlatformEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    routing_key: ClassVar[str]
    exchange: ClassVar[str] = PLATFORM_EVENTS.name   # where the outbox publishes it
    schema_version: Literal[1] = 1
    event_id: str = Field(default_factory=_new_id)
    occurred_at: datetime = Field(default_factory=_now)

    def published_key(self) -> str:
        """The routing key this event is published with: its type's, unless the type says otherwise."""
        return self.routing_key


class EnterpriseSnapshot(BaseModel):
    """What rules need of one enterprise: its facts (profile and derived values) and its tags."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uscc: str
    version: int
    status: one_of(Status)  # type: ignore[valid-type]
    facts: dict[str, Any]
    tags: list[str]


class EnterprisesTagged(PlatformEvent):
    """Tagging applied new data to these enterprises (profile or tags changed)."""

    routing_key: ClassVar[str] = "enterprise.tagged"
    enterprises: list[EnterpriseSnapshot] = Field(min_length=1)


class PolicyChanged(PlatformEvent):
    """A policy's set of matching enterprises may have changed: re-decide it against every enterprise.

    Each lifecycle step is its own event (and routing key) so that other services can tell them
    apart; the policy service treats them all alike."""

    routing_key: ClassVar[str] = "policy.changed"
    policy_id: int
    version: int


class PolicyInForce(PolicyChanged):
    """A published policy's rule as it now stands: the tags it uses, so the tagging service refuses
    to retire one of them (contract section 8). Published as its kinds below, never itself."""

    title: str
    department: str
    tags_used: list[str]
    # what the evaluation service rolls a policy up by and measures it on (contract section 9)
    department_name: str | None = None   # what the register of departments calls `department` now
    level: str = "city"
    county: str | None = None
    redeemable: bool = False
    proactive: bool = False


class PolicyPublished(PolicyInForce):
    """A draft became published: every enterprise that matches gets it pushed, once."""

    routing_key: ClassVar[str] = "policy.published"


class PolicyRevised(PolicyInForce):
    """A published policy was revised (`version` is the new one); its new rule applies at once."""

    routing_key: ClassVar[str] = "policy.revised"


class PolicyWithdrawn(PolicyChanged):
    """Staff withdrew a published policy: it matches no one any more."""

    routing_key: ClassVar[str] = "policy.withdrawn"


class PolicyExpired(PolicyChanged):
    """A published policy passed its `valid_to` date: it matches no one any more."""

    routing_key: ClassVar[str] = "policy.expired"


class PolicyStarted(PolicyChanged):
    """A published policy reached its `valid_from` day (China time): every enterprise that matches it then
    gets it pushed, once. Published once per policy, only for one published before that day."""

    routing_key: ClassVar[str] = "policy.started"


POLICY_CHANGES: tuple[type[PolicyChanged], ...] = (PolicyPublished, PolicyRevised, PolicyWithdrawn, PolicyExpired,
                                                   PolicyStarted)


class MatchesChanged(PlatformEvent):
    """Matches decided in one step. `matched` and `unmatched` map a policy id to enterprise codes."""

    routing_key: ClassVar[str] = "policy.matches_changed"
    matched: dict[int, list[str]] = Field(default_factory=dict)
    unmatched: dict[int, list[str]] = Field(default_factory=dict)
    titles: dict[int, str] = Field(default_factory=dict)
    policy_versions: dict[int, int] = Field(default_factory=dict)
    profile_versions: dict[str, int] = Field(default_factory=dict)

    def match_count(self) -> int:
        return sum(len(codes) for codes in self.matched.values())


class ApplicationChanged(PlatformEvent):
    """An application moved: submitted (by the enterprise, a clerk, or the platform for a proactive
    policy), or an action took it from one stage to the next. One event per move, in order.

    Published as `application.changed.<to_stage>` (`application.changed.completed`), so a consumer
    binds the moves it needs, or `application.changed.#` for all of them."""

    routing_key: ClassVar[str] = APPLICATION_MOVES
    application_id: int
    policy_id: int
    policy_title: str
    uscc: str
    action: str                      # submit, create and withdraw (proactive), confirm, accept, route, ...
    from_stage: str | None
    to_stage: str
    amount: Yuan | None = None       # the estimate, then the amount approved
    proactive: bool = False
    actor_role: str
    department: str | None = None    # the policy's department, who answers for the application
    due_at: datetime | None = None   # when the stage it moved to is due (None: no limit, or it ended)
    # when the stage it left was due, as counted when it left: on time if `occurred_at` is not later
    # (None for a stage no one answers for by a time: the enterprise's own, the public notice's fixed length)
    left_stage_due_at: datetime | None = None

    def published_key(self) -> str:
        return f"{APPLICATION_MOVES}.{self.to_stage}"


class QuestionAsked(PlatformEvent):
    """An enterprise asked about a policy (政策咨询); the policy's department answers by `due_at`."""

    routing_key: ClassVar[str] = "question.asked"
    question_id: int
    policy_id: int
    department: str
    uscc: str
    due_at: datetime | None


class QuestionAnswered(PlatformEvent):
    """The policy's department answered a question; `occurred_at` is when, `due_at` when it was due."""

    routing_key: ClassVar[str] = "question.answered"
    question_id: int
    policy_id: int
    department: str
    uscc: str
    due_at: datetime | None


class NotificationsDelivered(PlatformEvent):
    """New notices put in inboxes in one step, counted per policy (`kind` `policy_matched` and the
    like): the evaluation service's count of enterprises notified."""

    routing_key: ClassVar[str] = "notification.delivered"
    kind: str
    counts: dict[int, int] = Field(min_length=1)   # policy id -> notices created


class NotificationRead(PlatformEvent):
    """An enterprise read a notice for the first time."""

    routing_key: ClassVar[str] = "notification.read"
    notification_id: int
    uscc: str
    kind: str
    policy_id: int | None = None
    evaluation_id: int | None = None
    read_at: datetime


class SurveyOpened(PlatformEvent):
    """A round's questionnaire is open: each of these enterprises finds it in its inbox (kind
    `survey`), once. A round in scope of many enterprises publishes one event per thousand.
    `title` is the round's name; the notice reads 「<title>」问卷邀请."""

    routing_key: ClassVar[str] = "evaluation.survey_opened"
    evaluation_id: int
    title: str
    usccs: list[str] = Field(min_length=1, max_length=1000)


class ProblemEvent(PlatformEvent):
    """A problem an enterprise or its counsellor raised (一问题一落实, contract section 10), as its team
    stood then: what the evaluation service counts feedback responsiveness by. Published as its kinds."""

    problem_id: int
    uscc: str
    team_id: int
    level: str                           # the team's level: province, city, county
    county: str | None = None            # a county team's county
    status: str                          # open, in_progress, resolved
    raised_at: datetime
    first_answered_at: datetime | None = None
    answered_in_time: bool | None = None  # a first response within 24 clock hours of raised_at


class ProblemRaised(ProblemEvent):
    routing_key: ClassVar[str] = "counselling.problem_raised"


class ProblemAnswered(ProblemEvent):
    """The team responded with measures and a status (`in_progress`; a `resolved` one is ProblemResolved)."""

    routing_key: ClassVar[str] = "counselling.problem_answered"
    version: int                         # the response's number: every version of the measures is kept


class ProblemResolved(ProblemEvent):
    routing_key: ClassVar[str] = "counselling.problem_resolved"
    version: int


class PlanChanged(PlatformEvent):
    """An enterprise's financing plan (一企一方案) was made or changed."""

    routing_key: ClassVar[str] = "counselling.plan_changed"
    uscc: str
    team_id: int
    version: int
    amount_coordinated: Yuan             # yuan: the plan's financing coordinated so far, in this version
    level: str | None = None             # the team's level then: province, city, county (None: an event from
    county: str | None = None            # before it was carried); a county team's county


COUNSELLING_EVENTS: tuple[type[PlatformEvent], ...] = (ProblemRaised, ProblemAnswered, ProblemResolved, PlanChanged)


class StaffAccountChanged(PlatformEvent):
    """A staff account was made, disabled or its contacts changed: who it is, what it acts for and where it is
    reached (contract section 11). The notification service keeps its own copy, so an alarm finds its
    recipients with no call to the accounts service. A disabled account's copy stays disabled,
    whatever arrives after."""

    routing_key: ClassVar[str] = "account.staff_changed"
    account_id: str = Field(pattern=r"^staff-[1-9][0-9]{0,17}$")
    role: str
    department: str | None = None
    county: str | None = None
    team_id: int | None = None
    phone: str | None = None
    email: str | None = None
    active: bool


class AlarmAudience(BaseModel):
    """Who an alarm is for: the staff of `role`, those of them acting for `department`, `county` or one of
    `team_ids` where it is given (every one of the role where none is)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    department: str | None = None
    county: str | None = None
    team_ids: list[int] | None = None

    @classmethod
    def of_unit(cls, department: str | None, county: str | None) -> list[AlarmAudience]:
        """The staff responsible for a matter of `department` and of `county` (a county-level policy's, or a
        county's own): that department's staff and that county's; the city administrators where it names
        neither, so that no alarm goes to nobody."""
        audience = [*([cls(role="department_staff", department=department)] if department else []),
                    *([cls(role="county_staff", county=county)] if county else [])]
        return audience or [cls(role="city_admin")]


class StaffAlarm(BaseModel):
    """One alarm as its service raised it: `alarm_id` names it once for good (a message per recipient is
    keyed by it, so it is sent once), `title` says in Chinese what is overdue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alarm_id: str = Field(min_length=1, max_length=80)
    kind: str
    title: str = Field(min_length=1, max_length=200)
    audience: list[AlarmAudience] = Field(min_length=1)


class AlarmsRaised(PlatformEvent):
    """Staff alarms a service raised (overdue stages and their escalations, follow-ups and rectifications
    overdue, problems unanswered, questions on a policy unanswered past due): the notification service sends
    each to the responsible staff on their channels (SMS, e-mail), and once to the WeChat group, besides
    `GET /api/v1/alarms` (`GET /api/v1/questions?overdue=true` for questions)."""

    routing_key: ClassVar[str] = "alarm.raised"
    source: Literal["application", "evaluation", "counselling", "policy"]
    alarms: list[StaffAlarm] = Field(min_length=1, max_length=ALARMS_PER_EVENT)


def alarms_raised(source: str, alarms: list[StaffAlarm]) -> list[AlarmsRaised]:
    """The events that carry `alarms`, at most ALARMS_PER_EVENT each (none for none)."""
    return [AlarmsRaised(source=source, alarms=alarms[start:start + ALARMS_PER_EVENT])
            for start in range(0, len(alarms), ALARMS_PER_EVENT)]


class CalendarHoliday(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first: date
    last: date
    name: str


class CalendarLoaded(PlatformEvent):
    """The city administrator loaded a year's official working-day arrangement (contract section 13).

    Every service that counts working days keeps it in its own copy of the register and counts again every
    due time of its own that the year touches. `revision` grows by one each time the year is loaded, so a
    late or repeated event never replaces a newer arrangement."""

    routing_key: ClassVar[str] = "calendar.loaded"
    year: int = Field(ge=1901, le=2099)
    revision: int = Field(ge=1)
    notice: str = Field(min_length=1)
    holidays: list[CalendarHoliday]
    workdays: list[date]


class ClockChanged(BaseModel):
    """Time travel (contract section 7): every process of every service sets its clock `offset_s` from
    the real time. Broadcast by the gateway through Nameko's events (`gateway.events`), not huiqi.events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offset_s: float


EVENTS: dict[str, type[PlatformEvent]] = {
    event.routing_key: event for event in (EnterprisesTagged, *POLICY_CHANGES, MatchesChanged, ApplicationChanged,
                                         CalendarLoaded, QuestionAsked, QuestionAnswered, NotificationsDelivered,
                                         NotificationRead, SurveyOpened, *COUNSELLING_EVENTS,
                                         StaffAccountChanged, AlarmsRaised)
}
