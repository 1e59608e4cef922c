"""The gateway's own pydantic models: path and query parameters (validated before any service is
called) and the answers (services' answers pass through as they are; the end-to-end tests check
each against its model, fields included, so this documentation cannot drift from them).

Request bodies are the shared contracts themselves (`EnterpriseEvent`, `ProfilesSynced`,
`PolicyDraft`), so the gateway and the services validate with the same rules.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from shared.contracts.actors import STAFF_ROLES, Role
from shared.contracts.applications import REQUESTED_ACTIONS, ApplicationAction, Opening, Stage
from shared.contracts.bounds import EARLIEST_DATE, LATEST_DATE, PlatformDate, in_utc, json_at_most, one_of
from shared.contracts.departments import DepartmentCode
from shared.contracts.departments import _checked_code as _checked_department_code
from shared.contracts.evaluation import (
    DIMENSION_NAMES,
    SOURCE_NAMES,
    AlarmKind,
    Dimension,
    FollowUpStatus,
    RatingSubject,
    RectificationStatus,
    RoundStatus,
    Source,
    UnitKind,
)
from shared.contracts.gov import COUNTIES, ROUTING_KEYS, Ownership, QuarantineState, Status, Uscc, _codes
from shared.contracts.policies import (
    MAX_RULE_CHARS,
    LimitedStageName,
    PolicyLevelName,
    PolicyStatusName,
    Subsidy,
)
from shared.contracts.tags import JobState, TagState
from shared.facts import FACTS
from shared.money import Yuan
from shared.pack_codes import CODE_PATTERN

T = TypeVar("T")

SERVICES = ("tagging", "policy", "notification", "application", "evaluation")
QUARANTINE_STATES = (*QuarantineState, "all")

EnterpriseCode = Annotated[Uscc, Field(
    description="18-character unified social credit code; its check character must verify per GB 32100-2015",
    examples=["913716024JURQ28300"])]
PositiveId = Annotated[int, Field(gt=0, le=2**63 - 1, description="a positive integer id")]
Limit = Annotated[int, Field(ge=1, le=200, description="at most this many items (1 to 200)")]
# bounded so that no offset reaches a service that SQLite (64-bit integers) or PostgreSQL cannot bind
Offset = Annotated[int, Field(ge=0, le=1_000_000_000, description="skip this many items (at most 10^9)")]


class _Parameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# Path parameters -----------------------------------------------------------------------------

class EventPath(_Parameters):
    routing_key: Annotated[Literal[ROUTING_KEYS], Field(  # type: ignore[valid-type]
        description="the routing key the event would carry on gov.events")]


class EnterprisePath(_Parameters):
    uscc: EnterpriseCode


class NotificationPath(_Parameters):
    uscc: EnterpriseCode
    notification_id: PositiveId


class PolicyPath(_Parameters):
    policy_id: PositiveId


class QuarantinePath(_Parameters):
    quarantine_id: PositiveId


class ExplainPath(_Parameters):
    policy_id: PositiveId
    uscc: EnterpriseCode


class QuestionPath(_Parameters):
    question_id: PositiveId


class PackPath(_Parameters):
    pack_id: PositiveId


class PackCodePath(_Parameters):
    code: Annotated[str, Field(pattern=CODE_PATTERN, description="the pack's short code, as on its QR code")]


TagCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$", max_length=100,
                               description="`<category>.<value>`, lowercase letters, digits and _",
                               examples=["scale.small"])]


class TagPath(_Parameters):
    code: TagCode


class JobPath(_Parameters):
    job_id: PositiveId


class ApplicationPath(_Parameters):
    application_id: PositiveId


class DepartmentPath(_Parameters):
    code: DepartmentCode


class CalendarPath(_Parameters):
    year: Annotated[int, Field(ge=1901, le=2099, description="a calendar year, 1901 to 2099")]


class AccountPath(_Parameters):
    account_id: Annotated[str, Field(pattern=r"^(staff|enterprise|system)-[1-9][0-9]{0,17}$",
                                     description="an account id as created: staff-N, enterprise-N or system-N")]


# Query parameters ----------------------------------------------------------------------------

class PageQuery(_Parameters):
    limit: Limit = 50
    offset: Offset = 0


class PolicySearchQuery(PageQuery):
    q: Annotated[str, Field(max_length=400, description="words in the title, summary, body or department name, "
                                                       "all of them; \"a phrase\" in quotes; Chinese included")] \
        | None = None
    department: Annotated[str, Field(max_length=100, description="the owning department's code")] | None = None
    level: PolicyLevelName | None = None
    county: Annotated[str, Field(pattern=r"^\d{6}$", description="county-level policies of this county")] | None = None
    tag: Annotated[str, Field(max_length=100, description="a tag code the eligibility rule uses")] | None = None
    status: PolicyStatusName | None = None
    redeemable: bool | None = None
    valid_on: date | None = Field(None, description="policies valid on this day (valid_from <= it <= valid_to)")

    def filters(self) -> dict[str, Any]:
        return {name: value for name, value in self.model_dump(mode="json", exclude={"limit", "offset"}).items()
                if value is not None}


class QuarantineQuery(PageQuery):
    state: Annotated[one_of(QUARANTINE_STATES), Field(
        description="which rejected messages: still waiting (default), replayed, discarded or all")] = \
        QuarantineState.waiting.value


class TagsQuery(_Parameters):
    include_retired: bool = False


class AccountsQuery(PageQuery):
    kind: Literal["staff", "enterprise", "system"] | None = None


class QuestionsQuery(PageQuery):
    overdue: bool | None = Field(None, description="only overdue (true) or only not overdue (false) questions")
    answered: bool | None = None


class ApplicationsQuery(PageQuery):
    status: one_of(Stage) | None = Field(  # type: ignore[valid-type]
        None, description="the stage the application is in")
    overdue: bool | None = None
    policy_id: PositiveId | None = None
    uscc: EnterpriseCode | None = Field(None, description="only this enterprise's applications")


class NearMissFilter(_Parameters):
    condition: Annotated[str, Field(max_length=40, pattern=r"^\$(\.all\[\d+\])?$", examples=["$.all[1]"],
                                    description="only those failing this condition (its `path`)")] | None = None
    uscc: EnterpriseCode | None = Field(None, description="only this enterprise (an enterprise may ask for itself, "
                                                          "and only so)")

    def filters(self) -> dict[str, Any]:
        return {"condition": self.condition, "uscc": self.uscc}


class NearMissQuery(PageQuery, NearMissFilter):
    pass


class DeadLettersQuery(_Parameters):
    service: Annotated[Literal[SERVICES], Field(description="whose dead letters")]  # type: ignore[valid-type]
    include_replayed: bool = False
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


# Request bodies ------------------------------------------------------------------------------

class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


HolidayName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"\S")]


class CalendarRequest(_Request):
    notice: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S",
                                 description="the State Council notice, e.g. 国办发明电〔2026〕7号",
                                 examples=["国办发明电〔2026〕7号"])]
    holidays: list[tuple[date, date, HolidayName]] = Field(
        max_length=30, description="each break as `[from, to, name]`, both days included, the weekend days it "
                                   "joins counted in; only the days within the year",
        examples=[[["2027-01-01", "2027-01-03", "元旦"]]])
    workdays: list[date] = Field(max_length=30, description="the Saturdays and Sundays made working days (调休上班)")


MAX_REPLAY_CHARS = 8 * 1024 * 1024  # a whole bulk message of 1,000 profiles is about a megabyte


class ReplayRequest(_Request):
    body: Annotated[dict[str, Any], json_at_most(MAX_REPLAY_CHARS)] | None = Field(
        None, description="a corrected message to apply instead of the one received: the whole event for a "
                          "whole message, or the one item (`sequence`, `enterprise`) for a bulk item")


class DiscardRequest(_Request):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S",
                                 description="why the message is discarded; recorded with who discarded it")]


Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


Password = Annotated[str, Field(min_length=1, max_length=128, description="8 to 128 characters, letters and digits "
                                                                          "both, not the login")]


class StaffRequest(_Request):
    name: Name
    role: one_of(STAFF_ROLES)  # type: ignore[valid-type]
    login: Annotated[str, Field(max_length=32, description="what the person signs in with (3 to 32 lowercase "
                                                           "letters, digits, _ . -, starting with a letter); 409 "
                                                           "if taken", examples=["finance"])] | None = None
    password: Password | None = Field(None, description="the initial password; with `login` only")
    department: DepartmentCode | None = Field(None, description="the department a department_staff account acts "
                                                               "for: a code in GET /api/v1/departments")
    county: Annotated[str, Field(description="the county a county_staff account acts for", examples=["371625"])] \
        | None = None
    team_id: PositiveId | None = Field(None, description="the team a counsellor account belongs to (POST "
                                                          "/api/v1/counsellor-teams); it acts for that team's "
                                                          "enterprises only")
    phone: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="a mainland mobile number (11 digits starting with 1): the staff member's alarms reach "
                          "it by SMS", examples=["13812341234"])
    email: Annotated[str, Field(max_length=300)] | None = Field(
        None, description="an e-mail address the staff member's alarms reach", examples=["finance@example.gov.cn"])

    @model_validator(mode="after")
    def _scope_matches_role(self) -> StaffRequest:
        if self.role != Role.counsellor and self.team_id is not None:
            raise ValueError("team_id is only for counsellor")
        if self.role == Role.department_staff and self.department is None:
            raise ValueError("a department_staff account needs department")
        if self.role == Role.county_staff and self.county not in COUNTIES:
            raise ValueError(f"a county_staff account needs county, one of {', '.join(COUNTIES)}")
        if self.role != Role.department_staff and self.department is not None:
            raise ValueError("department is only for department_staff")
        if self.role != Role.county_staff and self.county is not None:
            raise ValueError("county is only for county_staff")
        return self


class SignInRequest(_Request):
    login: Annotated[str, Field(min_length=1, max_length=64, description="an enterprise's USCC, or a staff "
                                                                        "account's login",
                                examples=["913716024JURQ28300"])]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class PasswordRequest(_Request):
    old_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class RegistrationRequest(_Request):
    uscc: EnterpriseCode


class RegistrationPath(_Parameters):
    registration_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="the id a registration answered")]


class ConfirmationRequest(_Request):
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", description="the 6-digit code the SMS carried")]
    password: Password


class EnterpriseAccountRequest(_Request):
    name: Name | None = Field(None, description="who holds the token, e.g. the enterprise's contact person")


class SystemRequest(_Request):
    source: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$",
                                 description="the `source` every event of this system names (contract section 1)",
                                 examples=["market-regulation"])]
    name: Name | None = Field(None, description="the system, as people call it; the source by default",
                              examples=["市场监管局企业登记系统"])


class WithdrawRequest(_Request):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S",
                                 description="why the policy is withdrawn; kept with it")]


Rule = Annotated[dict[str, Any], json_at_most(MAX_RULE_CHARS), Field(
    description="an eligibility rule (contract section 3) over profile fields and derived values; tags cannot be named",
    examples=[{"field": "employees", "op": ">=", "value": 300}])]


class TagPreviewRequest(_Request):
    rule: Rule
    code: TagCode | None = Field(None, description="an existing tag: also say who would gain and lose it")
    sample: Annotated[int, Field(ge=0, le=50)] = 10


class PolicyPreviewRequest(_Request):
    eligibility: Annotated[dict[str, Any], json_at_most(MAX_RULE_CHARS)] = Field(
        description="a policy's eligibility rule (contract section 3): tags and profile fields")
    sample: Annotated[int, Field(ge=0, le=50)] = 10


class TagCreateRequest(_Request):
    code: TagCode
    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=50)]
    category_name: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="needed only when the category is new")
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
    description: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S",
                                      description="exactly when the tag applies")]
    rule: Rule


class TagChangeRequest(_Request):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")] | None = None
    description: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")] | None = None
    rule: Rule | None = None
    # The rest of what GET /api/v1/tags shows, so a client can send back what it read: the tagging
    # service accepts each when it is what the tag already has and refuses (422) only a change.
    code: TagCode | None = Field(None, description="must be the code in the path")
    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=50)] | None = Field(
        None, description="must be the tag's category (part of its code)")
    state: Annotated[str, Field(max_length=20)] | None = Field(None, description="read only: must be the tag's state")
    origin: Annotated[str, Field(max_length=20)] | None = Field(None, description="read only: must be the tag's origin")
    updated_at: datetime | None = Field(None, description="read only, ignored")

    @model_validator(mode="after")
    def _something(self) -> TagChangeRequest:
        if self.name is None and self.description is None and self.rule is None:
            raise ValueError("give at least one of name, description, rule")
        return self


class DepartmentRequest(_Request):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S", description="its name in Chinese",
                               examples=["滨州市工业和信息化局"])]


class MaterialUpload(_Request):
    name: Annotated[str, Field(min_length=1, max_length=100, description="what the document is, e.g. 营业执照")]
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content_base64: Annotated[str, Field(min_length=1, description="the file, base64; PDF, JPEG, PNG, OFD, DOCX "
                                                                   "or XLSX; docs/api.md gives the size limits")]


class ApplicationRequest(_Request):
    policy_id: PositiveId
    uscc: EnterpriseCode
    materials: Annotated[list[MaterialUpload], Field(max_length=3)] = Field(default_factory=list)
    note: Annotated[str, Field(max_length=2000)] | None = None


class ActionRequest(_Request):
    action: one_of(REQUESTED_ACTIONS)  # type: ignore[valid-type]
    comment: Annotated[str, Field(max_length=2000)] | None = None
    amount: Yuan | None = Field(None, description="approve: the amount granted (yuan, to the fen), at most "
                                                                          "the formula's; default the formula's")
    materials: Annotated[list[MaterialUpload], Field(max_length=3)] | None = Field(
        None, description="resubmit: materials answering a return; each replaces the one of the same name or is "
                          "added, at most 3 in all")

    @field_validator("materials")
    @classmethod
    def _materials_with_resubmit(cls, materials: list | None, info: ValidationInfo) -> list | None:
        if materials and info.data.get("action") != ApplicationAction.resubmit:
            raise ValueError("materials come with action resubmit only")
        return materials


class BatchActionRequest(_Request):
    action: one_of(REQUESTED_ACTIONS)  # type: ignore[valid-type]
    ids: Annotated[list[PositiveId], Field(min_length=1, max_length=100)] = Field(
        description="the applications, each at most once; each is moved as the same action alone would")
    comment: Annotated[str, Field(max_length=2000)] | None = None

    @field_validator("ids")
    @classmethod
    def _each_once(cls, ids: list[int]) -> list[int]:
        repeated = sorted({number for number in ids if ids.count(number) > 1})
        if repeated:
            raise ValueError(f"name each application once; repeated: {', '.join(map(str, repeated))}")
        return ids


MAX_CLOCK_MOVE = timedelta(days=36_500)


class ClockRequest(_Request):
    advance: timedelta | None = Field(None, description="ISO 8601 duration to move every clock forward, e.g. P3D")
    set: datetime | None = Field(None, description="the time every clock shows from now on, with its offset, "
                                                   "e.g. 2027-02-10T09:00:00+08:00")

    @model_validator(mode="after")
    def _one_of(self) -> ClockRequest:
        if (self.advance is None) == (self.set is None):
            raise ValueError("give exactly one of advance or set")
        if self.set is not None and self.set.tzinfo is None:
            raise ValueError("set needs a UTC offset, e.g. +08:00")
        return self

    # every service adds working days and deadlines to its clock: one near year 9999 would overflow
    @field_validator("advance")
    @classmethod
    def _within_a_century(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and abs(value) > MAX_CLOCK_MOVE:
            raise ValueError(f"must move the clock by at most {MAX_CLOCK_MOVE.days} days")
        return value

    @field_validator("set")
    @classmethod
    def _within_the_window(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None and \
                not EARLIEST_DATE <= in_utc(value).astimezone(UTC).date() <= LATEST_DATE:
            raise ValueError(f"must lie between {EARLIEST_DATE} and {LATEST_DATE}")
        return value


class QuestionRequest(_Request):
    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]
    uscc: EnterpriseCode | None = Field(None, description="the enterprise asking; staff asking for one must say "
                                                          "which, an enterprise's own token needs not")


class AnswerRequest(_Request):
    text: Annotated[str, Field(min_length=1, max_length=8000, pattern=r"\S")]


class PackRequest(_Request):
    title: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    description: Annotated[str, Field(max_length=2000)] | None = None
    policy_ids: Annotated[list[PositiveId], Field(min_length=1, max_length=100,
                                                  description="published policies, in the order shown")]


InterestCode = Annotated[str, AfterValidator(lambda value: _codes([value])[0]), Field(
    max_length=50, description="an interest code: lowercase letters, digits and _, starting with a letter",
    examples=["financing"])]


class InterestsRequest(_Request):
    interests: Annotated[list[InterestCode], Field(
        max_length=100, description="the enterprise's policy interests, replacing those it declared before "
                                    "(duplicates are dropped); each tags the enterprise `interest.<code>` "
                                    "when the catalogue has such a tag")]


# notification preferences: the shapes only; the notification service checks the kinds, channels, times and
# digest (services/notification/domain/preferences.py) and answers 422 naming the field
_PREFERENCE_TEXT = Annotated[str, Field(max_length=40)]


class NotificationPreferencesRequest(_Request):
    kinds: Annotated[dict[_PREFERENCE_TEXT, Annotated[list[_PREFERENCE_TEXT], Field(max_length=10)]],
                     Field(max_length=20)] | None = Field(
        None, description="notice kind -> its channels among in_app, sms, email, wechat (in_app is always "
                          "added); a kind left out keeps its channels. Kinds: policy_matched, proactive_offer, "
                          "proactive_offer_withdrawn, application_returned, application_completed, "
                          "application_rejected, survey", examples=[{"policy_matched": ["sms", "email"]}])
    quiet_hours: Annotated[list[_PREFERENCE_TEXT], Field(min_length=2, max_length=2)] | None = Field(
        None, description='["HH:MM", "HH:MM"]: from, to (China time, across midnight when the end is earlier); '
                          "no SMS or WeChat message then", examples=[["21:00", "08:00"]])
    digest: _PREFERENCE_TEXT | None = Field(None, description="immediate (one message per notice) or daily (one "
                                                              "message a day at 09:00 listing the new matches)")


class ContactsRequest(_Request):
    phone: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="a mainland mobile number for SMS (11 digits starting with 1); null clears it",
        examples=["13812341234"])
    email: Annotated[str, Field(max_length=300)] | None = Field(
        None, description="an e-mail address; null clears it", examples=["office@example.com"])


# Answers -------------------------------------------------------------------------------------

class _Answer(BaseModel):
    """What the gateway answers, as the services give it (the gateway passes answers through).

    Every field an answer carries is named here; the end-to-end tests refuse any other
    (tests/e2e/answer_models.py). The documents still allow more, because the contract may grow."""

    model_config = ConfigDict(extra="allow")


class Page(_Answer, Generic[T]):
    """A page of a list (the route says in which order), and how many items the list has."""

    items: list[T]
    total: int = Field(description="items in the whole list, not only on this page")
    limit: int | None = Field(None, description="the most items a page holds, as asked (where the list says it)")
    offset: int | None = Field(None, description="how many items of the list come before this page, as asked "
                                                 "(where the list says it)")


class ErrorDetail(_Answer):
    code: str = Field(description="stable, machine-readable: unauthorized, forbidden, not_found, invalid, ...")
    message: str
    details: Any = Field(None, description="for `invalid`: a list of {field, message, in}")


class ErrorResponse(_Answer):
    error: ErrorDetail


class ActorRecord(_Answer):
    """Who acted, as the service recorded it: the role, the account, and the scope of a scoped role
    (null or absent for the others)."""

    role: one_of(Role)  # type: ignore[valid-type]
    id: str = Field(description="staff-N, enterprise-N or system-N; city-admin; `system` for the platform itself")
    department: str | None = Field(None, description="department staff: the department they act for")
    county: str | None = Field(None, description="county staff: the county they act for")
    uscc: str | None = Field(None, description="an enterprise: its code")
    source: str | None = Field(None, description="another government system: the source of its events")
    team_id: int | None = Field(None, description="a counsellor: the team whose enterprises it acts for")


class GatewayClock(_Answer):
    """The answering gateway replica's own clock: behind a load balancer, it shows which one answered."""

    now: datetime
    clock_offset_s: float = Field(description="how far its clock is from the real time (time travel)")


class DeadLetterCount(_Answer):
    total: int
    waiting: int = Field(description="not replayed yet")


class CalendarHealth(_Answer):
    official_years: list[int] = Field(description="the years whose official arrangement is loaded")
    warning: str | None = Field(None, description="what to load soon, e.g. next year's arrangement")


class ServiceHealth(_Answer):
    """One service's own health answer."""

    service: str
    ok: bool = Field(description="the service answered")
    ready: bool = Field(description="its database, its bus consumers and what it loads at start are ready")
    waiting_for: list[str] = Field(description="what it still waits for; empty when ready")
    backlog: int = Field(description="bus messages it holds unsettled")
    outbox: int = Field(description="events it has still to publish")
    dead_letters: DeadLetterCount
    now: datetime = Field(description="its clock")
    clock_offset_s: float = Field(description="how far its clock is from the real time (time travel)")
    calendar: CalendarHealth | None = Field(None, description="the application service's working-day calendar")


class Health(_Answer):
    status: Literal["ok", "unavailable"]
    services: dict[str, ServiceHealth] = Field(description="each service that answered, by name")
    gateway: GatewayClock
    warnings: list[str] = Field(default_factory=list, description="what needs doing soon, e.g. loading next "
                                                                  "year's working-day calendar (from 60 days "
                                                                  "before the last official year ends)")
    failed: dict[str, str] = Field(default_factory=dict,
                                   description="service -> why it is not ready (did not answer, or what it "
                                               "still waits for)")
    error: ErrorDetail | None = Field(None, description="present when status is unavailable (503)")


class Readiness(_Answer):
    service: Literal["gateway"]
    ready: bool
    waiting_for: list[str] = Field(description="what this replica still waits for (its RPC replies consumed, "
                                               "its bus consumers); empty when ready")
    gateway: GatewayClock


class Liveness(_Answer):
    status: Literal["alive"]
    gateway: GatewayClock


class EventAccepted(_Answer):
    event_id: str


class FieldSource(_Answer):
    source: str
    sequence: int
    at: datetime


class ProfileFacts(_Answer):
    """Profile fields (contract section 1), each present only when a source gave it."""

    name: str | None = None
    registered_on: date | None = None
    ownership: one_of(Ownership) | None = None  # type: ignore[valid-type]
    industry_code: str | None = Field(None, description="GB/T 4754-2017: a section letter, optionally 2 to 4 digits")
    county: str | None = Field(None, description="a Binzhou county-level division code")
    employees: int | None = None
    annual_revenue: float | None = Field(None, description="yuan")
    total_assets: float | None = Field(None, description="yuan")
    rd_expense: float | None = Field(None, description="yuan")
    qualifications: list[str] | None = None
    contact_phone: str | None = Field(None, description="the registered contact's mobile number: in full to the "
                                                        "enterprise itself, masked (138****1234) to staff",
                                      examples=["138****1234"])


class DerivedFacts(_Answer):
    """What the platform derives from the profile, each present only when the profile allows it."""

    age_years: float | None = Field(None, description="years since registered_on")
    revenue_per_employee: float | None = Field(None, description="yuan")
    rd_intensity: float | None = Field(None, description="rd_expense / annual_revenue")
    scale: one_of(FACTS["scale"].choices) | None = Field(  # type: ignore[valid-type]
        None, description="by the national SME size standard (工信部联企业〔2011〕300号)")
    industry_section: str | None = Field(None, description="the industry code's section letter")
    industry_division: str | None = Field(None, description="the section letter and two digits")


class TagEvidence(_Answer):
    rule: dict[str, Any] = Field(description="the tag's rule when it was earned")
    values: dict[str, Any] = Field(description="the profile and derived values the rule read")


class EnterpriseFile(ProfileFacts):
    """The merged profile (一企一档): profile fields, tags, version and where each field came from."""

    uscc: str
    interests: list[str] | None = Field(None, description="policy interests, from any source and the enterprise")
    status: one_of(Status)  # type: ignore[valid-type]
    version: int = Field(description="the profile version: one more for each change applied")
    tags: list[str] = Field(description="tag codes, sorted")
    tag_evidence: dict[str, TagEvidence] = Field(description="tag code -> why the enterprise has it")
    sources: dict[str, FieldSource] = Field(description="profile field -> the message that gave its value")
    derived: DerivedFacts
    created_at: datetime
    updated_at: datetime


class FieldChange(_Answer):
    from_: Any = Field(None, alias="from", description="the value before; null if the field was not set")
    to: Any = Field(None, description="the value after; null if the field was cleared")


class ProfileVersion(_Answer):
    """One version of the enterprise's profile: which message made it and what it changed."""

    uscc: str
    version: int
    source: str
    sequence: int
    event_id: str
    changes: dict[str, FieldChange] = Field(description="field -> {from, to}")
    tags_added: list[str]
    tags_removed: list[str]
    at: datetime = Field(description="when the platform applied it")


class Condition(_Answer):
    path: str = Field(description="where the condition sits in the rule, e.g. $.all[1]")
    kind: Literal["tag", "field"]
    subject: str = Field(description="the tag code or the field")
    op: str = Field(description="the comparison; `has` for a tag")
    expected: Any = Field(description="the rule's value; true for a tag")
    actual: Any = Field(description="the enterprise's value (null when it has no such data), or whether it has "
                                    "the tag")
    held: bool = Field(description="whether the enterprise meets the condition as the rule needs it")
    negated: bool = Field(description="under an odd number of `not`: it holds when the leaf is false")
    text: str = Field(description="the condition and the verdict, in Chinese")


class Explanation(_Answer):
    matched: bool
    conditions: list[Condition] = Field(description="every condition of the rule, in rule order")


class EnterprisePolicy(_Answer):
    """A published policy the enterprise matches now."""

    policy_id: int
    title: str
    department: str
    matched_at: datetime
    policy_version: int = Field(description="the policy version it matched")
    profile_version: int = Field(description="the profile version that matched it")
    redeemable: bool
    proactive: bool
    valid_to: date
    explanation: Explanation
    estimated_amount: Yuan | None = Field(None, description="a redeemable policy's: yuan, the subsidy formula over "
                                                            "the enterprise's data (null when it lacks the data)")
    exclusive_group: str | None = Field(None, description="present when the policy has one")
    combinable: bool | None = Field(None, description="with exclusive_group: false when the enterprise matches "
                                                      "another policy of the group")
    not_combinable_with: list[int] | None = Field(None, description="with exclusive_group: the other policies of "
                                                                    "the group it matches")


class EnterpriseNearMiss(_Answer):
    """A policy in force the enterprise fails by exactly one condition (还差一项), with that condition."""

    policy_id: int
    title: str
    department: str = Field(description="the owning department's code")
    level: PolicyLevelName
    county: str | None = Field(description="a county-level policy's county")
    redeemable: bool
    proactive: bool
    valid_to: date
    path: str = Field(description="where the failing condition is in the rule, e.g. `$.all[1]`")
    condition: dict[str, Any] = Field(description="the failing condition, as rule JSON")
    text: str = Field(description="the failing condition, in Chinese")
    conditions: list[Condition] = Field(description="the condition's leaves judged against the enterprise: its "
                                                    "values, and which fall short")


class Notification(_Answer):
    id: int
    policy_id: int | None = Field(description="the policy the notice is about (null for a questionnaire)")
    evaluation_id: int | None = Field(description="kind survey: the evaluation round whose questionnaire it is "
                                                  "(null otherwise)")
    kind: str = Field(description="policy_matched: the enterprise matches a published policy for the first time; "
                                  "proactive_offer, proactive_offer_withdrawn, application_returned, "
                                  "application_completed, application_rejected: what an application needs of it "
                                  "and its outcome; survey: an evaluation round invites it to answer its "
                                  "questionnaire")
    title: str
    created_at: datetime
    read_at: datetime | None


class ChannelsAvailable(_Answer):
    in_app: bool = Field(description="always true: the inbox")
    sms: bool = Field(description="HUIQI_SMS_URL is set")
    email: bool = Field(description="HUIQI_SMTP_URL is set")
    wechat: bool = Field(description="HUIQI_WECHAT_WEBHOOK_URL is set")


class NotificationPreferences(_Answer):
    uscc: str
    kinds: dict[str, list[str]] = Field(description="every notice kind -> its channels, in_app always among them")
    quiet_hours: list[str] = Field(description='["HH:MM", "HH:MM"], China time; default ["21:00", "08:00"]')
    digest: str = Field(description="immediate (the default) or daily")
    channels_available: ChannelsAvailable = Field(description="which channels can deliver now; one chosen while it "
                                                              "is not available takes effect once it is")
    updated_at: datetime | None = Field(description="when the enterprise last saved them; null: the defaults")


class Contacts(_Answer):
    uscc: str
    phone: str | None = Field(description="in full to the enterprise itself, masked (138****1234) to staff")
    email: str | None = Field(description="in full to the enterprise itself, masked (o***@example.com) to staff")
    updated_at: datetime | None = Field(description="when the enterprise last saved them; null: never")


class DeliveryRecord(_Answer):
    id: int
    kind: str = Field(description="the notice's kind, `digest` (the daily list of new matches), or `alarm` (a "
                                  "staff alarm)")
    notification_id: int | None = Field(description="the notice in the inbox; null for a digest or an alarm")
    channel: str = Field(description="sms, email or wechat")
    recipient: str = Field(description="the phone or address (masked to staff), or `group` for WeChat")
    text: str
    status: str = Field(description="queued, deferred, sent or failed")
    attempts: int
    reason: str | None = Field(description="why it is deferred or failed")
    provider_answer: str | None = Field(description="what the provider answered the last attempt")
    provider_id: str | None = Field(description="the provider's id of the message, once sent")
    next_attempt_at: datetime | None = Field(description="when it is tried next (queued, deferred)")
    created_at: datetime
    sent_at: datetime | None


class TagCategory(_Answer):
    code: str
    name: str


class TagDefinition(_Answer):
    code: str
    category: str
    name: str
    description: str = Field(description="exactly when the tag applies")
    rule: dict[str, Any] = Field(description="an eligibility rule over profile fields and derived values")


class Tag(TagDefinition):
    state: one_of(TagState)  # type: ignore[valid-type]
    origin: Literal["default", "staff"] = Field(description="the default catalogue, or added by staff")
    updated_at: datetime


class TagCatalogue(_Answer):
    categories: list[TagCategory]
    tags: list[Tag] = Field(description="the active tags in catalogue order, then the retired ones when asked")


class _PolicyShown(_Answer):
    id: int
    title: str
    department: str = Field(description="the owning department's code")
    department_name: str | None
    level: PolicyLevelName
    county: str | None = Field(description="a county-level policy's county")
    summary: str
    status: PolicyStatusName
    version: int = Field(description="one more for each revision")
    valid_from: date
    valid_to: date
    redeemable: bool
    proactive: bool = Field(description="免申即享: redemption starts without an application")
    subsidy: Subsidy | None
    budget: Yuan | None
    exclusive_group: str | None = Field(description="policies in one group cannot be redeemed together")
    tags_used: list[str] = Field(description="the tags the eligibility rule names")
    updated_at: datetime
    published_at: datetime | None


class PolicyListed(_PolicyShown):
    """A policy as a search lists it: no body, no rule (GET /policies/{id} has them)."""

    snippet: str | None = Field(None, description="where the words were found, each in 【】")


class Policy(_PolicyShown):
    body: str = Field(description="the full text")
    eligibility: dict[str, Any] = Field(description="the eligibility rule (contract section 3)")
    materials: list[str] = Field(description="the materials an application brings, at most 3")
    stage_limits: dict[LimitedStageName, int] = Field(
        description="working days per application stage, overriding the defaults")
    created_at: datetime
    started_at: datetime | None = Field(description="when it first went live published (valid_from reached)")
    withdrawn_reason: str | None


class Department(_Answer):
    code: str
    name: str
    origin: Literal["default", "staff"] = Field(description="the city's register, or added by the administrator")
    updated_at: datetime


class DepartmentChange(_Answer):
    department: Department
    added: bool = Field(description="true when the code was new, false when it was renamed")


class Account(_Answer):
    id: str = Field(description="staff-N, enterprise-N or system-N")
    name: str
    role: one_of(Role)  # type: ignore[valid-type]
    department: str | None = None
    county: str | None = None
    uscc: str | None = None
    source: str | None = Field(None, description="a system's: the source of the events it may publish")
    team_id: int | None = Field(None, description="a counsellor's: its team")
    phone: str | None = Field(None, description="a staff account's: where its alarms reach it by SMS")
    email: str | None = Field(None, description="a staff account's: where its alarms reach it by e-mail")
    created_at: datetime
    created_by: str
    disabled_at: datetime | None = None


class Identity(ActorRecord):
    """Who a token or a session belongs to; the administrator's token (HUIQI_ADMIN_TOKEN) is no account,
    so it has no name and no scope."""

    name: str | None = None
    phone: str | None = Field(None, description="a staff account's own: where its alarms reach it by SMS")
    email: str | None = Field(None, description="a staff account's own: where its alarms reach it by e-mail")
    kind: Literal["token", "session"] = Field(description="a bearer token, or the session cookie of a sign-in")
    csrf_token: str | None = Field(None, description="a session's: send it as X-CSRF-Token with every POST, PUT, "
                                                     "PATCH and DELETE")
    expires_at: datetime | None = Field(None, description="a session's: when it ends unless used again")


class SessionAccount(_Answer):
    """The signed-in person's account, as the portal shows it."""

    id: str = Field(description="staff-N or enterprise-N")
    role: one_of(Role)  # type: ignore[valid-type]
    name: str
    uscc: str | None = None
    department: str | None = None
    county: str | None = None
    team_id: int | None = None


class SignedIn(_Answer):
    account: SessionAccount
    csrf_token: str = Field(description="send it as X-CSRF-Token with every POST, PUT, PATCH and DELETE")
    expires_at: datetime = Field(description="when the session ends unless used again (8 idle hours, 7 days "
                                             "at most)")


class PasswordChanged(_Answer):
    changed_at: datetime


class RegistrationStarted(_Answer):
    id: str = Field(description="confirm with POST /api/v1/registrations/{id}/confirm")
    phone: str = Field(description="where the code went, masked", examples=["138****1234"])
    expires_at: datetime = Field(description="the code is valid until then (10 minutes)")


class RegistrationConfirmed(_Answer):
    account: SessionAccount


class AccountCreated(Account):
    token: str = Field(description="the bearer token; shown this once and never again")
    login: str | None = Field(None, description="a staff account created with a login: what it signs in with")


class PolicyVersion(_Answer):
    version: int
    at: datetime
    actor: ActorRecord = Field(description="who made this version")
    policy: Policy = Field(description="the policy as it was at this version")


class MatchRecord(_Answer):
    matched_at: datetime
    policy_version: int
    profile_version: int


class PolicyExplanation(Explanation):
    policy_id: int
    policy_version: int
    policy_status: PolicyStatusName
    uscc: str
    profile_version: int
    missing: list[Condition] = Field(description="the fewest conditions that would have to change to match")
    match: MatchRecord | None = Field(description="the enterprise's match of the policy, if it has one")
    estimated_amount: Yuan | None = Field(None, description="yuan, for a redeemable policy")


class NearMissGroup(_Answer):
    path: str = Field(description="where the condition is in the rule, e.g. `$.all[1]`")
    condition: dict[str, Any]
    text: str = Field(description="the condition, in Chinese")
    count: int


class NearMiss(_Answer):
    uscc: str
    name: str | None
    path: str = Field(description="the one condition it fails (see `conditions`)")
    text: str = Field(description="that condition, in Chinese")


class NearMisses(Page[NearMiss]):
    """A page of the enterprises a policy misses by one condition, with the counts per condition."""

    policy_id: int
    policy_version: int
    total: int = Field(description="active enterprises failing exactly one condition (and the filters)")
    offset: int
    limit: int
    items: list[NearMiss] = Field(description="by the condition failed (its place in the rule), then by code")
    conditions: list[NearMissGroup] = Field(description="how many fail each condition, most first, under every "
                                                        "filter but `condition`")


class Question(_Answer):
    id: int
    policy_id: int
    policy_title: str
    department: str = Field(description="the policy's department, which answers")
    level: PolicyLevelName
    county: str | None
    uscc: str
    text: str
    asked_by: ActorRecord
    asked_at: datetime
    due_at: datetime = Field(description="the end of the 2nd working day after it was asked (UTC+8)")
    provisional: bool = Field(description="the due time was counted on a year whose official arrangement is not "
                                          "loaded yet; it is counted again when it is")
    overdue: bool
    answer: str | None = None
    answered_by: ActorRecord | None = None
    answered_at: datetime | None = None


class QuestionPage(Page[Question]):
    overdue_total: int = Field(description="overdue questions in the caller's scope, whatever the filters")


class Pack(_Answer):
    id: int
    code: str
    title: str
    description: str | None = None
    policy_ids: list[int]
    scans: int = Field(description="visits of the public page")
    last_scanned_at: datetime | None
    url: str = Field(description="the public page the QR code points at")
    created_by: ActorRecord
    created_at: datetime


class PackPolicy(_Answer):
    id: int
    title: str
    department: str
    department_name: str | None
    level: PolicyLevelName
    county: str | None
    summary: str
    status: PolicyStatusName
    valid_from: date
    valid_to: date
    redeemable: bool
    proactive: bool


class PublicPack(_Answer):
    code: str
    title: str
    description: str | None = None
    policies: list[PackPolicy] = Field(description="in the pack's order")


class RowFailure(_Answer):
    row: int = Field(description="the spreadsheet's row number (the header is row 1)")
    reason: str


class ImportResult(_Answer):
    imported: int
    ids: list[int] = Field(description="the drafts created, in row order")
    errors: list[RowFailure]


class EnterpriseName(_Answer):
    uscc: str
    name: str | None


class PreviewSamples(_Answer):
    would_have: list[EnterpriseName]
    gain: list[EnterpriseName]
    lose: list[EnterpriseName]


class TagPreview(_Answer):
    code: str | None
    active: int = Field(description="active enterprises looked at")
    would_have: int = Field(description="of them, how many the rule tags")
    gain: int = Field(description="would gain the tag (0 for a new tag)")
    lose: int = Field(description="would lose it")
    samples: PreviewSamples


class PolicyPreview(_Answer):
    active: int = Field(description="active enterprises looked at")
    matching: int = Field(description="of them, how many the rule matches now")
    sample: list[EnterpriseName] = Field(description="the first of them by code")


class Job(_Answer):
    id: int
    kind: Literal["create", "change", "retire", "daily"] = Field(
        description="create, change, retire or daily (age tags move with the date)")
    tag_code: str | None
    revision: int = Field(description="the catalogue revision it applies")
    state: one_of(JobState)  # type: ignore[valid-type]
    done: int
    total: int
    changed: int = Field(description="enterprises whose tags changed so far")
    cursor: str = Field(description="the last enterprise done, in code order; empty before the first")
    error: str | None = None
    actor: ActorRecord | None = Field(description="who changed the catalogue; null for a daily job")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class CatalogueChange(_Answer):
    tag: TagDefinition | None = Field(description="the tag as it is now; null once retired")
    revision: int
    job_id: int = Field(description="the re-tag job: GET /api/v1/jobs/{job_id}")
    job: Job


class StageEntry(_Answer):
    stage: one_of(Stage)  # type: ignore[valid-type]
    entered_at: datetime
    due_at: datetime | None = Field(description="the end of the last working day of its limit (UTC+8); null for "
                                                "the enterprise's own time (confirmation, returned)")
    provisional: bool = Field(description="the due time was counted, in part, on a year whose official "
                                          "arrangement is not loaded yet; it is counted again when it is")
    completed_at: datetime | None
    actor: ActorRecord | None = Field(description="who completed the stage")
    overdue: bool


class Material(_Answer):
    name: str = Field(description="which of the policy's materials")
    filename: str
    media_type: str
    size: int = Field(description="bytes")
    sha256: str


class HistoryEntry(_Answer):
    action: one_of((*Opening, *ApplicationAction))  # type: ignore[valid-type]
    from_: one_of(Stage) | None = Field(alias="from")  # type: ignore[valid-type]
    to: one_of(Stage)  # type: ignore[valid-type]
    actor: ActorRecord
    comment: str | None
    amount: Yuan | None = Field(description="yuan: what an approval granted")
    at: datetime


class ApplicationListed(_Answer):
    """An application as a list shows it: no timeline, form, materials or history."""

    id: int
    policy_id: int
    policy_title: str
    department: str = Field(description="the policy's department, which reviews it")
    level: PolicyLevelName
    county: str | None
    uscc: str
    enterprise_name: str | None
    proactive: bool = Field(description="opened by the platform (免申即享): the enterprise only confirms")
    stage: one_of(Stage)  # type: ignore[valid-type]
    status: one_of(Stage) = Field(description="the stage it is in (what `?status=` filters on)")  # type: ignore[valid-type]
    amount: Yuan | None = Field(description="yuan: the formula's estimate, then the amount approved")
    due_at: datetime | None = Field(description="when the stage it is in is due; null for the enterprise's own "
                                                "time and once it is over")
    provisional: bool = Field(description="`due_at` was counted, in part, on a year whose official arrangement is "
                                          "not loaded yet (预计); false without a due time")
    overdue: bool
    next: str | None = Field(description="who acts next, for people to read; null once it is over")
    created_at: datetime
    updated_at: datetime


class Application(ApplicationListed):
    status: one_of((*Stage, "submitted")) = Field(  # type: ignore[valid-type]
        description="the stage it is in; `submitted` in the answer to a submission")
    timeline: list[StageEntry]
    form: ProfileFacts = Field(description="pre-filled from the enterprise's file: nothing is asked twice")
    note: str | None
    materials: list[Material]
    history: list[HistoryEntry] = Field(description="every move, in order")
    actions: list[one_of(REQUESTED_ACTIONS)] = Field(  # type: ignore[valid-type]
        description="the actions the caller may ask for now (`POST .../actions`), by the stage and the caller's "
                    "role and scope: what a person is offered")


class Objection(_Answer):
    comment: str
    at: datetime


class PublicNoticeRecord(_Answer):
    """What an objector is answered: the public notice (公示) of the award with the objection, never the
    application's form, materials or the enterprise's code."""

    application_id: int
    policy_id: int
    policy_title: str
    department: str
    enterprise_name: str | None
    amount: Yuan | None = Field(description="yuan: the amount approved")
    status: one_of(Stage) = Field(description="the stage it is in now: objection")  # type: ignore[valid-type]
    objection: Objection


class ActionAnswer(RootModel[Application | PublicNoticeRecord]):
    """The application as it now stands; to `object`, its public record only."""


class BatchOutcome(_Answer):
    id: int
    ok: bool
    status: one_of(Stage) | None = Field(  # type: ignore[valid-type]
        None, description="when ok: the stage it is in now")
    amount: Yuan | None = Field(None, description="when ok: yuan, the amount it carries now")
    error: ErrorDetail | None = Field(None, description="when not ok: what the action alone would have answered "
                                                        "(conflict, forbidden, not_found, invalid)")


class BatchActionAnswer(_Answer):
    action: one_of(REQUESTED_ACTIONS)  # type: ignore[valid-type]
    done: int
    refused: int
    results: list[BatchOutcome] = Field(description="one per id, in the order given")


class ApplicationStatistics(_Answer):
    total: int
    by_stage: dict[one_of(Stage), int]  # type: ignore[valid-type]
    completed: int = Field(description="redemptions: applications carried through to disbursement")
    proactive_completed: int
    proactive_share: float | None = Field(description="proactive_completed / completed; null before any")
    disbursed_amount: Yuan


class Alarm(_Answer):
    """A stage past its due time, told once to the staff responsible (`overdue`) and a working day
    later to the city administrator (`escalation`)."""

    id: int
    kind: Literal["overdue", "escalation"]
    application_id: int = Field(description="the application it is about")
    stage_id: int
    stage: one_of(Stage)  # type: ignore[valid-type]
    role: one_of(Role) = Field(description="who is told")  # type: ignore[valid-type]
    department: str | None = Field(description="the policy's department")
    county: str | None = Field(description="the policy's county, for a county-level policy")
    due_at: datetime
    raised_at: datetime


class CalendarYear(_Answer):
    year: int
    source: Literal["official", "provisional"] = Field(
        description="official: the State Council notice loaded; provisional: weekends and the statutory holidays "
                    "of 全国年节及纪念日放假办法, no adjusted days")
    notice: str | None = Field(description="the State Council notice of an official year")
    # three strings rather than a typed tuple: schemathesis reads a tuple's `prefixItems` in an answer
    # as the draft-4 `items` array and refuses the whole document
    holidays: list[Annotated[list[str], Field(min_length=3, max_length=3)]] = Field(
        description="`[from, to, name]`, both days included, the days as YYYY-MM-DD")
    workdays: list[date] = Field(description="adjusted working days (weekend days worked)")
    revision: int | None = Field(None, description="after a PUT: how many times the year has been loaded")


class ClockAnswer(_Answer):
    now: datetime
    offset_s: float = Field(description="how far every clock is from the real time")
    services: dict[str, float] = Field(description="each service's offset, once it has taken the change")


class FieldError(_Answer):
    field: str
    message: str


class QuarantinedMessage(_Answer):
    id: int
    event_id: str | None
    routing_key: str
    source: str | None
    item_index: int | None = Field(description="position in a bulk batch; null for a whole message")
    body: str
    reason: str
    errors: list[FieldError]
    received_at: datetime
    state: one_of(QuarantineState)  # type: ignore[valid-type]
    resolution: str | None = Field(None, description="who replayed or discarded it, how, and the outcome")
    resolved_at: datetime | None = None
    corrected_body: str | None = Field(None, description="the corrected message replayed, if one was given")


class DeadLetter(_Answer):
    id: int
    queue: str = Field(description="the queue whose handler failed; `(unroutable)` for an event no queue took")
    exchange: str
    routing_key: str | None
    event_id: str | None
    correlation_id: str | None = Field(description="the request or event it came from, as the logs name it")
    body: str = Field(description="the message as it was received")
    headers: dict[str, Any]
    error: str
    traceback: str
    failed_at: datetime
    replayed_at: datetime | None
    replay_count: int


# Ratings and the three evaluations (三评, contract section 9) ---------------------------------
# Requests refuse what a lax reading would turn into something else: `true` for a star, `0` for a
# date, "4" for an answer. Scores, weights and dimensions are named by their English codes.

def _iso_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Day = Annotated[PlatformDate, BeforeValidator(_iso_day)]
Stars = Annotated[int, Field(strict=True, ge=1, le=5, description="1 (very bad) to 5 (very good)")]
SurveyAnswer = Annotated[int, Field(strict=True, ge=1, le=5, description="1 (very bad) to 5 (very good)")]
Weight = Annotated[float, Field(strict=True, ge=0, le=1)]
Score = Annotated[float, Field(strict=True, ge=0, le=100)]
WEIGHTS_SUM_TOLERANCE = 1e-6
MAX_SURVEY_QUESTIONS = 50


def _text(max_length: int, description: str) -> Any:
    return Annotated[str, Field(min_length=1, max_length=max_length, pattern=r"\S", description=description)]


def unit_kind_of(unit: str) -> str:
    """`county` for a Binzhou county code, `department` for a department code (which starts with a letter)."""
    return UnitKind.county.value if unit in COUNTIES else UnitKind.department.value


def _unit_code(value: str) -> str:
    if value in COUNTIES:
        return value
    if value[:1].isdigit():
        raise ValueError(f"a county is a Binzhou county code, one of {', '.join(COUNTIES)}")
    return _checked_department_code(value)


UnitCode = Annotated[str, Field(min_length=1, max_length=100, examples=["industry_it", "371625"],
                                description="a department code (GET /api/v1/departments) or a Binzhou county code"),
                     AfterValidator(_unit_code)]
UnitKindName = one_of((UnitKind.department, UnitKind.county))


def _some(keys: list[Any], shown: int = 5) -> str:
    """Keys a caller sent, for a message: the first few, each cut short."""
    said = [repr(str(key)[:40]) for key in keys[:shown]]
    return ", ".join(said) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def _named_exactly(names: tuple[str, ...], what: str) -> Callable[[Any], Any]:
    """A before-validator: a mapping must name exactly `names`. Said in one message, so that the error's
    field is the set's own (`weights`), never a key the caller made up."""

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            missing = [name for name in names if name not in value]
            unknown = [key for key in value if key not in names]
            if missing or unknown:
                said = [f"missing {', '.join(missing)}"] if missing else []
                said += [f"not a {what}: {_some(unknown)}"] if unknown else []
                raise ValueError(f"must give exactly {', '.join(names)} ({'; '.join(said)})")
        return value

    return check


def _only_from(names: tuple[str, ...], what: str) -> Callable[[Any], Any]:
    """A before-validator: a mapping names at least one of `names` and nothing else."""

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            unknown = [key for key in value if key not in names]
            if unknown:
                raise ValueError(f"not a {what}: {_some(unknown)}; the {what}s are {', '.join(names)}")
            if not value:
                raise ValueError(f"give a score for at least one of {', '.join(names)}")
        return value

    return check


class _WeightSet(_Request):
    """Weights over a fixed set of names, every one given, 0 to 1 each, summing to 1."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> _WeightSet:
        total = sum(self.model_dump().values())
        if abs(total - 1) > WEIGHTS_SUM_TOLERANCE:
            raise ValueError(f"must sum to 1, not {total:g}")
        return self


def _weight_set(name: str, names: dict[str, str], what: str) -> type[_WeightSet]:
    model = create_model(name, __base__=_WeightSet, __doc__=f"A weight for every {what}, 0 to 1 each, summing to 1.",
                         **{code: (Weight, Field(description=chinese)) for code, chinese in names.items()})
    return Annotated[model, BeforeValidator(_named_exactly(tuple(names), what))]


DIMENSIONS = {dimension.value: DIMENSION_NAMES[dimension] for dimension in Dimension}
SOURCES = {source.value: SOURCE_NAMES[source] for source in Source}
DimensionWeights = _weight_set("DimensionWeights", DIMENSIONS, "dimension")
SourceWeights = _weight_set("SourceWeights", SOURCES, "source")
DimensionScores = Annotated[
    create_model("DimensionScores", __base__=_Request,
                 __doc__="The unit's scores, 0 to 100, for the dimensions it scores (at least one).",
                 **{code: (Score, Field(None, description=chinese)) for code, chinese in DIMENSIONS.items()}),
    BeforeValidator(_only_from(tuple(DIMENSIONS), "dimension"))]


class RatingRequest(_Request):
    subject: one_of(RatingSubject) = Field(  # type: ignore[valid-type]
        description="push: a policy pushed to the enterprise (give policy_id); application: its own finished "
                    "application (give application_id)")
    policy_id: PositiveId | None = Field(None, validate_default=True, description="subject push: the policy")
    application_id: PositiveId | None = Field(None, validate_default=True,
                                              description="subject application: the application")
    stars: Stars
    comment: Annotated[str, Field(max_length=1000, description="what the enterprise has to say")] | None = None

    @field_validator("policy_id", "application_id")
    @classmethod
    def _given_with_its_subject(cls, value: int | None, info: ValidationInfo) -> int | None:
        subject = info.data.get("subject")
        wanted = {"policy_id": RatingSubject.push, "application_id": RatingSubject.application}[info.field_name]
        if subject == wanted and value is None:
            raise ValueError(f"subject {wanted} needs {info.field_name}")
        if subject is not None and subject != wanted and value is not None:
            raise ValueError(f"{info.field_name} goes with subject {wanted} only, not {subject}")
        return value


class FollowUpCloseRequest(_Request):
    outcome: _text(4000, "what the follow-up found and did; the enterprise sees it")


class RoundRequest(_Request):
    name: _text(200, "e.g. 2026年下半年惠企政策落实三评")
    period_start: Day = Field(description="the first day of the period evaluated (China time)")
    period_end: Day = Field(description="its last day, included; not before period_start")
    weights: DimensionWeights = Field(description="a weight for each of the five dimensions, summing to 1")
    source_weights: SourceWeights = Field(description="a weight for each of the four sources, summing to 1")

    @field_validator("period_end")
    @classmethod
    def _not_before_the_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and value < start:
            raise ValueError(f"must not be before period_start ({start})")
        return value


class SelfAssessmentRequest(_Request):
    unit: UnitCode = Field(description="the department or county filing: the caller's own")
    scores: DimensionScores
    evidence: _text(8000, "what the scores rest on: documents, figures, links")


class _NamesAUnit(_Request):
    """A body naming a department or a county, and optionally which of the two it is."""

    unit: UnitCode
    unit_kind: UnitKindName | None = Field(  # type: ignore[valid-type]
        None, validate_default=True, description="department or county; by default what `unit` is")

    @field_validator("unit_kind")
    @classmethod
    def _kind_of_the_unit(cls, value: str | None, info: ValidationInfo) -> str | None:
        unit = info.data.get("unit")
        if value is not None and unit is not None and value != unit_kind_of(unit):
            raise ValueError(f"{unit} is a {unit_kind_of(unit)}, not a {value}")
        return value

    def kind(self) -> str:
        return self.unit_kind or unit_kind_of(self.unit)


class AssessmentRequest(_NamesAUnit):
    """A third-party assessor's scores for a department or a county: the self-assessment's body."""

    scores: DimensionScores
    evidence: _text(8000, "what the scores rest on: documents, figures, links")


class SurveyQuestion(_Request):
    text: _text(500, "the question, as the enterprise reads it")
    dimension: one_of(Dimension) = Field(description="the dimension its answers score")  # type: ignore[valid-type]


class SurveyRequest(_Request):
    questions: Annotated[list[SurveyQuestion], Field(min_length=1, max_length=MAX_SURVEY_QUESTIONS,
                                                     description="in the order asked")]


class SurveyResponseRequest(_Request):
    answers: Annotated[list[SurveyAnswer], Field(min_length=1, max_length=MAX_SURVEY_QUESTIONS,
                                                 description="one per question, in the questionnaire's order")]


class RectificationRequest(_NamesAUnit):
    evaluation_id: PositiveId = Field(description="the round whose results found the problem")
    problem: _text(4000, "what is to be put right")
    due_on: Day = Field(description="the last day (China time) by which it is to be completed and verified")


class RectificationProgressRequest(_Request):
    text: _text(4000, "what has been done so far")


class RectificationCompleteRequest(_Request):
    evidence: _text(8000, "what shows the problem is put right")


class RectificationReopenRequest(_Request):
    reason: _text(2000, "why the rectification is not accepted")


class EvaluationPath(_Parameters):
    evaluation_id: PositiveId


class FollowUpPath(_Parameters):
    follow_up_id: PositiveId


class RectificationPath(_Parameters):
    rectification_id: PositiveId


class RatingsQuery(PageQuery):
    department: DepartmentCode | None = Field(None, description="ratings of this department's policies")
    policy_id: PositiveId | None = None
    stars: Annotated[int, Field(ge=1, le=5)] | None = Field(None, description="only ratings of so many stars")


class FollowUpsQuery(PageQuery):
    status: one_of(FollowUpStatus) | None = None  # type: ignore[valid-type]


class RectificationsQuery(PageQuery):
    evaluation_id: PositiveId | None = None
    unit: UnitCode | None = None
    status: one_of(RectificationStatus) | None = None  # type: ignore[valid-type]


def _shown(name: str, names: dict[str, str], doc: str, optional: bool) -> type[_Answer]:
    kind = float | None if optional else float
    return create_model(name, __base__=_Answer, __doc__=doc,
                        **{code: (kind, Field(None, description=chinese) if optional else Field(description=chinese))
                           for code, chinese in names.items()})


DimensionWeightsShown = _shown("DimensionWeightsShown", DIMENSIONS, "A round's weight for each dimension.", False)
SourceWeightsShown = _shown("SourceWeightsShown", SOURCES, "A round's weight for each source.", False)
DimensionScoresShown = _shown("DimensionScoresShown", DIMENSIONS, "A score, 0 to 100, per dimension; null (or "
                              "absent) where there is no data: left out, the rest renormalised, never counted as 0.",
                              True)
SourceScoresShown = _shown("SourceScoresShown", SOURCES, "A score, 0 to 100, per source; null where the source gave "
                           "none.", True)


class FollowUpShown(_Answer):
    """A rating's follow-up (差评回访), as the enterprise sees it with its rating."""

    id: int
    status: one_of(FollowUpStatus)  # type: ignore[valid-type]
    due_at: datetime = Field(description="the end of the 5th working day after the rating day (China time)")
    due_provisional: bool = Field(description="counted on a year whose official calendar is not loaded yet")
    outcome: str | None
    closed_at: datetime | None


class RatingRevision(_Answer):
    stars: int
    comment: str | None
    rated_at: datetime


class Rating(_Answer):
    id: int
    uscc: str
    subject: one_of(RatingSubject)  # type: ignore[valid-type]
    policy_id: int | None
    application_id: int | None
    department: str = Field(description="the policy's department, which answers for it")
    stars: int
    comment: str | None
    rated_at: datetime
    follow_up: FollowUpShown | None = Field(description="opened by a rating of 1 or 2 stars")
    history: list[RatingRevision] = Field(description="the ratings it replaced, oldest first")


class RatingAverage(_Answer):
    count: int = Field(description="ratings in the list (every page)")
    stars: float | None = Field(description="their mean stars; null when there are none")


class RatingPage(Page[Rating]):
    average: RatingAverage


class FollowUp(_Answer):
    id: int
    rating_id: int
    uscc: str
    policy_id: int | None
    department: str
    stars: int
    due_at: datetime
    due_provisional: bool
    status: one_of(FollowUpStatus)  # type: ignore[valid-type]
    outcome: str | None
    closed_at: datetime | None
    overdue: bool


class SurveyQuestionShown(_Answer):
    text: str
    dimension: one_of(Dimension)  # type: ignore[valid-type]


class RoundSurvey(_Answer):
    questions: list[SurveyQuestionShown]


class Round(_Answer):
    """An evaluation round (三评)."""

    id: int
    name: str
    period_start: date
    period_end: date
    weights: DimensionWeightsShown
    source_weights: SourceWeightsShown
    status: one_of(RoundStatus)  # type: ignore[valid-type]
    survey: RoundSurvey | None = Field(description="the questionnaire, once set")
    created_at: datetime
    closed_at: datetime | None


class Filing(_Answer):
    """A unit's self-assessment or an assessor's third-party scores."""

    id: int
    evaluation_id: int
    source: one_of((Source.self, Source.third_party))  # type: ignore[valid-type]
    unit_kind: UnitKindName  # type: ignore[valid-type]
    unit: str
    scores: DimensionScoresShown
    evidence: str
    filed_by: ActorRecord
    filed_at: datetime


class Questionnaire(_Answer):
    """A round's questionnaire, as an enterprise in its scope reads it."""

    evaluation_id: int
    name: str
    questions: list[SurveyQuestionShown]
    answered: bool = Field(description="whether this enterprise has answered it (once only)")


class SurveyResponse(_Answer):
    evaluation_id: int
    uscc: str
    answers: list[int]
    answered_at: datetime


class ResultEntry(_Answer):
    unit: str = Field(description="the department code, county code or policy id")
    name: str | None = Field(description="the department's name, the county's or the policy's title")
    score: float | None = Field(description="0 to 100; null when the unit has no data at all")
    rank: int | None = Field(description="competition ranking (1, 2, 2, 4) by score within its kind")
    rank_range: Annotated[list[int], Field(min_length=2, max_length=2)] | None = Field(
        description="[best, worst] rank over every weight moved by ±20% (sensitivity analysis); null with no score")
    dimensions: DimensionScoresShown
    sources: SourceScoresShown


class Results(_Answer):
    evaluation_id: int
    name: str
    period_start: date
    period_end: date
    weights: DimensionWeightsShown
    source_weights: SourceWeightsShown
    closed_at: datetime
    departments: list[ResultEntry] = Field(description="by rank")
    counties: list[ResultEntry] = Field(description="by rank")
    policies: list[ResultEntry] = Field(description="by rank")


class RectificationStep(_Answer):
    action: str = Field(description="issue, progress, complete, verify or reopen")
    text: str | None = Field(description="the problem, the progress, the evidence or the reason to reopen")
    by: ActorRecord
    at: datetime


class Rectification(_Answer):
    """整改交办: issued to a unit, reported on, completed with evidence, verified or reopened."""

    id: int
    evaluation_id: int
    unit_kind: UnitKindName  # type: ignore[valid-type]
    unit: str
    problem: str
    due_on: date
    status: one_of(RectificationStatus)  # type: ignore[valid-type]
    overdue: bool = Field(description="not verified and past the end of due_on (China time)")
    history: list[RectificationStep] = Field(description="every step, in order")
    issued_at: datetime
    verified_at: datetime | None


class EvaluationAlarm(_Answer):
    """A follow-up or a rectification past its due time, told once to its department or county (and
    seen by the city administrator)."""

    id: int
    kind: one_of(AlarmKind)  # type: ignore[valid-type]
    follow_up_id: int | None = Field(None, description="follow_up_overdue: the follow-up")
    rectification_id: int | None = Field(None, description="rectification_overdue: the rectification")
    department: str | None = Field(None, description="the department told")
    county: str | None = Field(None, description="the county told")
    due_at: datetime
    raised_at: datetime




# Financial counsellors (金融辅导员, contract section 10) -------------------------------------------

TeamLevel = Literal["province", "city", "county"]


class TeamRequest(_Request):
    name: _text(100, "the team's name")
    level: TeamLevel = Field(description="province, city or county")
    county: Annotated[str, Field(description="a county team's county", examples=["371625"])] | None = None

    @model_validator(mode="after")
    def _county_matches_level(self) -> TeamRequest:
        if self.level == "county" and self.county not in COUNTIES:
            raise ValueError(f"a county team needs county, one of {', '.join(COUNTIES)}")
        if self.level != "county" and self.county is not None:
            raise ValueError("county is only for a county team")
        return self


class TeamEnterprisesRequest(_Request):
    usccs: list[EnterpriseCode] = Field(max_length=10_000, description="every enterprise the team serves now; "
                                                                       "one another team serves is a 409")


class TeamPath(_Parameters):
    team_id: PositiveId


class TeamEnterprise(_Answer):
    uscc: str
    name: str | None = Field(description="as the enterprise's newest tagged data names it")


class Team(_Answer):
    """A team of counsellors; its counsellors are staff accounts naming its id (POST /api/v1/staff)."""

    id: int
    name: str
    level: TeamLevel
    county: str | None = None
    created_at: datetime
    enterprise_count: int | None = Field(None, description="in a list: how many enterprises it serves")
    enterprises: list[TeamEnterprise] | None = Field(None, description="one team: the enterprises it serves")


class VisitRequest(_Request):
    visited_on: Day = Field(description="the day of the visit (China time), not after today")
    notes: _text(4000, "what was seen and discussed")
    financing_need: Yuan | None = Field(None, description="yuan: the financing the enterprise needs, if any")


class PlanRequest(_Request):
    needs: _text(4000, "the enterprise's financing needs")
    measures: _text(4000, "what the team does about them")
    amount_coordinated: Yuan = Field(description="yuan: the financing coordinated for the enterprise so far")


class ProblemRequest(_Request):
    text: _text(4000, "the problem, as the enterprise or its counsellor states it")


class ProblemResponseRequest(_Request):
    text: _text(4000, "the measures taken (落实措施); every version is kept")
    status: Literal["in_progress", "resolved"] = Field(description="in_progress or resolved")


class ProblemPath(_Parameters):
    problem_id: PositiveId


class LedgerFilter(_Parameters):
    team_id: PositiveId | None = Field(None, description="one team's problems (a counsellor: its own only)")
    status: Literal["open", "in_progress", "resolved"] | None = None


class LedgerQuery(LedgerFilter, PageQuery):
    pass


class Visit(_Answer):
    id: int
    uscc: str
    team_id: int
    visited_on: date
    notes: str
    financing_need: Yuan | None
    created_at: datetime
    created_by: str


class FinancingPolicy(_Answer):
    policy_id: int
    title: str
    matched_at: datetime = Field(description="when the policy service decided the enterprise matches it")


class FinancingPlan(_Answer):
    """一企一方案: version 0 and null fields until the team draws it."""

    uscc: str
    enterprise_name: str | None
    team_id: int | None
    needs: str | None
    measures: str | None
    amount_coordinated: Yuan | None
    version: int
    updated_at: datetime | None
    updated_by: str | None
    financing_policies: list[FinancingPolicy] = Field(description="financing policies in force the enterprise "
                                                                   "matches now (from the policy service's events)")


class ProblemResponse(_Answer):
    version: int = Field(description="1 for the first response; every version of the measures is kept")
    text: str
    status: Literal["in_progress", "resolved"]
    at: datetime
    by: str


class Problem(_Answer):
    """一问题一落实: the team answers within 24 clock hours (weekends and holidays count)."""

    id: int
    uscc: str
    enterprise_name: str | None
    team_id: int
    text: str
    status: Literal["open", "in_progress", "resolved"]
    raised_at: datetime
    raised_by: str
    due_at: datetime = Field(description="raised_at + 24 clock hours: the first response is due by then")
    first_answered_at: datetime | None
    resolved_at: datetime | None
    answered_in_time: bool
    overdue: bool = Field(description="no first response and past due_at")
    alarm_stage: int = Field(description="alarms raised so far: 1 to the team, 2 the level above, ...")
    age_hours: float
    responses: list[ProblemResponse] | None = Field(None, description="one problem: every response, in order")
    measures: str | None = Field(None, description="in the ledger: the measures as the newest response states them")


class TeamRate(_Answer):
    team_id: int
    team_name: str | None
    problems: int
    open: int
    in_progress: int
    resolved: int
    due: int = Field(description="problems answered, or past their 24 hours")
    answered_in_time: int
    rate_24h: float | None = Field(description="answered_in_time / due; null while none is due")


class Ledger(Page[Problem]):
    teams: list[TeamRate] = Field(description="per team in the list's scope: counts and the 24-hour rate")


class CounsellingAlarm(_Answer):
    """A counsellors' problem without a first response 24 clock hours after it was raised (stage 1), told to its
    team, and each further 24 hours to the level above."""

    id: int
    kind: Literal["problem_unanswered"]
    problem_id: int
    stage: int = Field(description="1: the team, 2: the level above, 3: the one above that")
    team_id: int = Field(description="the problem's team")
    level: TeamLevel = Field(description="the level told")
    county: str | None
    due_at: datetime
    raised_at: datetime


AnyAlarm = Annotated[Alarm | EvaluationAlarm | CounsellingAlarm, Field(discriminator="kind")]


class AlarmPage(Page[AnyAlarm]):  # type: ignore[valid-type]
    warnings: list[str] = Field(default_factory=list, description="what is missing from the list, e.g. the "
                                                                  "evaluation service's alarms when it did not answer")


class TeamStatistics(_Answer):
    team_id: int
    team_name: str
    level: TeamLevel
    county: str | None
    enterprises: int = Field(description="enterprises served")
    visits: int
    plans: int
    amount_coordinated: Yuan = Field(description="yuan: financing coordinated in the team's plans")
    problems: int
    problems_resolved: int
    rate_24h: float | None
