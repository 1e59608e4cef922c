"""Who is calling (a bearer token gives a `Caller`) and what they may do (`authorize`).

Contract section 5: a token acts only within its role and scope. The rules below are one table,
role by role. A scoped role (a department's or a county's staff, an enterprise) is judged against
the `Resource` a request acts on: the enterprise in the path, the department or county in a
body, or, for an existing policy, its owner, which the gateway reads before acting
(`Resource.of_policy`). Nothing here imports Nameko or touches a database: tokens other than
the administrator's are looked up through the `find_account` function the caller passes.
"""
from __future__ import annotations

import enum
import hmac
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.gateway.errors import Unauthorized
from services.gateway.sessions import check_csrf
from shared.config import DEVELOPMENT_ADMIN_TOKEN, settings
from shared.contracts.accounts import token_digest
from shared.contracts.actors import POLICY_OWNER_ROLES, Actor, Role
from shared.errors import Forbidden


class Action(enum.StrEnum):
    publish_event = "events.publish"
    read_self = "accounts.read_self"
    sign_out = "accounts.sign_out"               # end one's own session
    change_password = "accounts.change_password"  # one's own
    manage_accounts = "accounts.manage"
    read_enterprise = "enterprise.read"
    declare_interests = "enterprise.declare_interests"  # the enterprise's own policy interests (source self)
    read_notifications = "notifications.read"
    mark_notification_read = "notifications.mark_read"
    read_notification_preferences = "notifications.read_preferences"
    set_notification_preferences = "notifications.set_preferences"   # the enterprise's own
    read_contacts = "notifications.read_contacts"    # staff see them masked
    set_contacts = "notifications.set_contacts"      # the enterprise's own
    read_deliveries = "notifications.read_deliveries"   # staff see the recipients masked
    set_staff_contacts = "staff.set_contacts"          # where one's own alarms reach one (the administrator: anyone's)
    read_staff_deliveries = "staff.read_deliveries"    # the alarms sent to one (the administrator: anyone's, masked)
    read_tags = "tags.read"
    read_departments = "departments.read"
    manage_departments = "departments.manage"   # add or rename one (the city administrator)
    manage_tags = "tags.manage"                  # create, change, retire, preview; re-tag jobs
    create_policy = "policy.create"
    revise_policy = "policy.revise"
    publish_policy = "policy.publish"
    withdraw_policy = "policy.withdraw"
    import_policies = "policy.import"
    read_policy = "policy.read"
    read_policy_drafts = "policy.read_drafts"       # drafts, withdrawn policies and revisions
    explain_policy = "policy.explain"               # why an enterprise does or does not match
    read_near_misses = "policy.near_misses"
    ask_question = "question.ask"
    answer_question = "question.answer"
    read_questions = "question.read"
    manage_packs = "pack.manage"
    read_packs = "pack.read"
    submit_application = "application.submit"
    read_applications = "application.read"      # an application with its form (the enterprise's file) and materials
    read_application_statistics = "application.statistics"   # counts by stage: no enterprise in them
    act_on_application = "application.act"     # which action, in which stage, is the lifecycle's decision
    act_in_batch = "application.act_batch"      # staff working a queue
    read_alarms = "alarm.read"
    read_quarantine = "quarantine.read"
    resolve_quarantine = "quarantine.resolve"   # replay or discard a rejected message
    read_dead_letters = "dead_letters.read"
    set_clock = "clock.set"                      # time travel, for demos and tests
    read_calendar = "calendar.read"
    load_calendar = "calendar.load"              # a year's official working-day arrangement
    # ratings and the three evaluations (三评, contract section 9)
    rate = "rating.rate"                         # an enterprise rates a push it received or its application
    read_ratings = "rating.read"                 # with their averages; each scoped role its own
    read_follow_ups = "follow_up.read"
    close_follow_up = "follow_up.close"          # the responsible department's or county's staff
    manage_evaluations = "evaluation.manage"     # open a round, set its questionnaire, close it
    read_evaluations = "evaluation.read"         # the rounds and their results
    read_round = "evaluation.read_round"         # one round: staff, or an enterprise in its scope
    self_assess = "evaluation.self_assess"       # a department's or county's own filing
    assess = "evaluation.assess"                 # a third-party assessor's filing
    read_survey = "survey.read"                  # the questionnaire, as an enterprise in scope reads it
    answer_survey = "survey.answer"
    manage_rectifications = "rectification.manage"   # issue, verify, reopen
    report_rectification = "rectification.report"    # the unit reports progress and completes
    read_rectifications = "rectification.read"
    # financial counsellors (金融辅导员, contract section 10); the counselling service judges the team
    manage_counselling = "counselling.manage"    # form teams, assign their enterprises (the city administrator)
    read_counselling = "counselling.read"        # teams, visits, plans, the ledger, alarms
    counsel = "counselling.counsel"              # visit, keep the plan, answer problems (the team's counsellors)
    raise_problem = "counselling.raise_problem"  # the enterprise itself or its counsellor
    read_problems = "counselling.read_problems"


# Actions on a policy that a department's or county's staff may take only on their own policies.
POLICY_OWNER_ACTIONS = frozenset({
    Action.create_policy, Action.revise_policy, Action.publish_policy, Action.withdraw_policy,
    Action.import_policies, Action.read_near_misses, Action.answer_question, Action.manage_packs,
})
# Actions on one enterprise's data; an enterprise token may take them on itself only.
ENTERPRISE_ACTIONS = frozenset({
    Action.read_enterprise, Action.declare_interests, Action.read_notifications, Action.mark_notification_read,
    Action.read_notification_preferences, Action.set_notification_preferences,
    Action.read_contacts, Action.set_contacts, Action.read_deliveries,
    Action.explain_policy, Action.ask_question, Action.submit_application, Action.raise_problem,
})

# Actions on a staff account's own notification matters: a staff member on its own account only, the city
# administrator on any.
STAFF_SELF_ACTIONS = frozenset({Action.set_staff_contacts, Action.read_staff_deliveries})

# A counsellor's counselling actions: for its team's enterprises only, which the counselling service judges.
COUNSELLOR_TEAM_ACTIONS = frozenset({Action.read_counselling, Action.counsel, Action.raise_problem,
                                     Action.read_problems})

# Their author's own word in the evaluation (contract section 9): a rating or a questionnaire answer is an
# enterprise's, a self-assessment or a rectification's progress a unit's, a third-party score an assessor's;
# no other role gives them, the city administrator included.
ENTERPRISE_VOICE = frozenset({Action.rate, Action.read_survey, Action.answer_survey})
# How an enterprise is told things is its own choice too: the city administrator reads it, never sets it.
OWN_WORD = ENTERPRISE_VOICE | {Action.self_assess, Action.assess, Action.report_rectification,
                               Action.set_notification_preferences, Action.set_contacts, Action.counsel,
                               Action.raise_problem}
# Actions on a department's or county's own evaluation matters: the evaluation service judges the unit
# by the actor (services/evaluation/domain/access.py), the one home of that rule.
UNIT_SCOPED_ACTIONS = frozenset({Action.self_assess, Action.read_ratings, Action.read_follow_ups,
                                 Action.close_follow_up, Action.report_rectification, Action.read_rectifications})
# An enterprise's evaluation actions: on its own ratings and the rounds it is in the scope of, which the
# evaluation service judges by the actor.
ENTERPRISE_EVALUATION_ACTIONS = ENTERPRISE_VOICE | {Action.read_ratings, Action.read_follow_ups, Action.read_round}

# Actions an enterprise may take only on a request that names it: without an enterprise they
# cover every enterprise (near-misses: `?uscc=` for itself, never the whole list).
ENTERPRISE_NAMED_ACTIONS = frozenset({Action.read_near_misses})

# what every person may do (a system's token does nothing but publish): read what is public, and
# keep their own way in (sign out, change their password)
_PUBLIC_READS = frozenset({Action.read_self, Action.read_tags, Action.read_policy, Action.read_departments,
                           Action.read_calendar, Action.sign_out, Action.change_password})
# The government side that handles applications: the window and the policies' departments and counties.
_CASEWORK = _PUBLIC_READS | {Action.read_packs, Action.read_policy_drafts, Action.read_questions,
                             Action.read_enterprise, Action.explain_policy, Action.read_applications,
                             Action.read_application_statistics,
                             Action.act_on_application, Action.act_in_batch, Action.read_alarms,
                             Action.read_contacts, Action.read_deliveries}

# Every staff role reads the rounds and their results (contract section 9).
_EVALUATION_READS = frozenset({Action.read_evaluations, Action.read_round})

# What each role may do at all; scope is judged separately, below. docs/access.md is this table
# route by route (services/gateway/access.py writes it; a test calls every route as every role).
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.city_admin: frozenset(Action) - OWN_WORD,
    Role.department_staff: _CASEWORK | POLICY_OWNER_ACTIONS | _EVALUATION_READS | UNIT_SCOPED_ACTIONS
    | STAFF_SELF_ACTIONS,
    Role.county_staff: _CASEWORK | POLICY_OWNER_ACTIONS | _EVALUATION_READS | UNIT_SCOPED_ACTIONS
    | STAFF_SELF_ACTIONS,
    Role.window_clerk: _CASEWORK | _EVALUATION_READS | STAFF_SELF_ACTIONS | {Action.submit_application},
    # Third-party evaluation judges the government's work, never an enterprise's file: policies (drafts too),
    # questions and their answers, how close enterprises come to a policy, and applications in aggregate.
    # `act_on_application` only to object during a public notice.
    # It files third-party scores for any department or county, and reads every rating, follow-up and
    # rectification.
    Role.assessor: _PUBLIC_READS | _EVALUATION_READS | STAFF_SELF_ACTIONS | {
        Action.read_packs, Action.read_policy_drafts, Action.read_questions, Action.read_near_misses,
        Action.read_application_statistics, Action.act_on_application, Action.assess, Action.read_ratings,
        Action.read_follow_ups, Action.read_rectifications, Action.read_counselling, Action.read_problems},
    # A counsellor reads and acts for its team's enterprises only (contract section 10): the counselling
    # service judges the team. Otherwise what is public, and objecting during a public notice.
    Role.counsellor: _PUBLIC_READS | _EVALUATION_READS | STAFF_SELF_ACTIONS | {
        Action.read_packs, Action.act_on_application, Action.read_counselling, Action.counsel, Action.raise_problem,
        Action.read_problems, Action.read_alarms},
    Role.enterprise: _PUBLIC_READS | ENTERPRISE_ACTIONS | ENTERPRISE_NAMED_ACTIONS | ENTERPRISE_EVALUATION_ACTIONS
    | {Action.read_questions, Action.read_applications, Action.read_application_statistics,
       Action.act_on_application, Action.read_problems},
    # contract section 14: a system's token may only publish events of its own source
    Role.system: frozenset({Action.publish_event}),
}


@dataclass(frozen=True)
class Caller:
    """The authenticated party behind a request. Scope fields are set only for scoped roles."""

    role: Role
    id: str
    department: str | None = None
    county: str | None = None
    uscc: str | None = None
    name: str | None = None
    source: str | None = None   # a system's: the `source` of the events it may publish
    team_id: int | None = None  # a counsellor's team (contract section 10)
    phone: str | None = None    # a staff account's own contacts, shown to it alone (GET /api/v1/me)
    email: str | None = None
    kind: str = "token"         # how it authenticated: a bearer `token`, or a portal `session` cookie
    csrf_digest: str | None = None      # a session's: the digest of its CSRF token
    expires_at: datetime | None = None  # a session's: when it ends unless used again

    def as_actor(self) -> Actor:
        scope = {"department": self.department, "county": self.county, "uscc": self.uscc}
        extra = {name: value for name, value in (("source", self.source), ("team_id", self.team_id))
                 if value is not None}
        return Actor(role=self.role, id=self.id, **scope, **extra)

    def actor(self) -> dict:
        """What services are told about the caller, an `Actor` as it travels (they record it, and
        judge by it what the caller may see)."""
        return self.as_actor().model_dump(mode="json")


@dataclass(frozen=True)
class Resource:
    """What a request acts on, as far as is known. `owned` is False until a policy's owner is known
    (a path with only a policy id): scoped roles are then let through to the read of the policy,
    after which the gateway asks again with `Resource.of_policy`."""

    uscc: str | None = None
    department: str | None = None
    county: str | None = None
    level: str | None = None
    owned: bool = False
    source: str | None = None   # the `source` an event to be published names
    account_id: str | None = None   # the staff account in the path

    @classmethod
    def of_policy(cls, policy: Mapping[str, Any], uscc: str | None = None) -> Resource:
        return cls(uscc=uscc, department=policy["department"], county=policy.get("county"),
                   level=policy.get("level"), owned=True)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)
CITY_ADMIN_ID = "city-admin"


def _policy_scope(caller: Caller, resource: Resource) -> Decision:
    """A department's staff act on their department's policies, a county's staff on county-level
    policies of their county."""
    if not resource.owned and resource.department is None and resource.county is None:
        return ALLOW  # the owner is not known yet: asked again once the policy is read
    if caller.as_actor().owns_policy(department=resource.department, level=resource.level, county=resource.county):
        return ALLOW
    if caller.role is Role.department_staff:
        return Decision(False, f"department staff of {caller.department} may act only on their own department's "
                               f"policies; this one belongs to {resource.department}")
    return Decision(False, f"county staff of {caller.county} may act only on county-level policies of "
                           f"county {caller.county}; this one is {resource.level or 'not county-level'}"
                           f"{f' of county {resource.county}' if resource.county else ''}")


def _enterprise_scope(caller: Caller, resource: Resource) -> Decision:
    if resource.uscc is not None and resource.uscc != caller.uscc:
        return Decision(False, f"an enterprise's token acts for {caller.uscc} only, not for {resource.uscc}")
    return ALLOW


def _source_scope(caller: Caller, resource: Resource) -> Decision:
    if resource.source != caller.source:
        return Decision(False, f"a system's token publishes events of source {caller.source} only, "
                               f"not of source {resource.source}")
    return ALLOW


def _account_scope(caller: Caller, resource: Resource) -> Decision:
    if resource.account_id != caller.id:
        return Decision(False, f"a staff member acts on its own account ({caller.id}) only, not on "
                               f"{resource.account_id}")
    return ALLOW


def authorize(caller: Caller, action: Action, resource: Resource = Resource()) -> Decision:
    """Whether `caller` may do `action` on `resource`."""
    if action not in PERMISSIONS.get(caller.role, ()):
        return Decision(False, f"the role {caller.role.value} may not {action.value}")
    if caller.role is Role.system:
        return _source_scope(caller, resource)
    if caller.role in POLICY_OWNER_ROLES and action in POLICY_OWNER_ACTIONS:
        return _policy_scope(caller, resource)
    if caller.role is Role.enterprise and action in ENTERPRISE_ACTIONS:
        return _enterprise_scope(caller, resource)
    if caller.role is not Role.city_admin and action in STAFF_SELF_ACTIONS:
        return _account_scope(caller, resource)
    if caller.role is Role.enterprise and action in ENTERPRISE_NAMED_ACTIONS:
        if resource.uscc is None:
            return Decision(False, f"an enterprise's token may {action.value} only about itself: "
                                   f"ask with uscc={caller.uscc}")
        return _enterprise_scope(caller, resource)
    return ALLOW


def require_role(caller: Caller, action: Action) -> None:
    """Forbidden (403) unless the caller's role may do `action` at all: asked before a request's
    inputs are read, so a role that may not call a route learns nothing about what it takes."""
    if action not in PERMISSIONS.get(caller.role, ()):
        raise Forbidden(f"the role {caller.role.value} may not {action.value}",
                        {"role": caller.role.value, "action": action.value})


def require(caller: Caller, action: Action, resource: Resource = Resource()) -> None:
    """`authorize`, raising Forbidden (403) with the reason when it says no."""
    decision = authorize(caller, action, resource)
    if not decision:
        raise Forbidden(decision.reason or f"not allowed to {action.value}",
                        {"role": caller.role.value, "action": action.value})


AccountFinder = Callable[[str], "Caller | None"]  # token or session digest -> the account's caller, or None


def authenticate(authorization: str | None, find_account: AccountFinder | None = None, *,
                 session: str | None = None, find_session: AccountFinder | None = None,
                 method: str = "GET", csrf: str | None = None, now: datetime | None = None) -> Caller:
    """The caller for an `Authorization: Bearer <token>` header, or else for the session id of the
    `huiqi_session` cookie (with its CSRF token on an unsafe `method`); Unauthorized (401) otherwise,
    CsrfRefused (403) for a session request without the right token."""
    if not authorization and session:
        return _session_caller(session, find_session, method=method, csrf=csrf, now=now)
    if not authorization:
        raise Unauthorized("this call needs Authorization: Bearer <token>, or the session cookie of a sign-in")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be `Bearer <token>`")
    if _same_secret(token, settings().admin_token):
        return Caller(role=Role.city_admin, id=CITY_ADMIN_ID)
    caller = find_account(token_digest(token)) if find_account is not None else None
    if caller is None:
        raise Unauthorized("the token is not valid")
    return caller


def _session_caller(session: str, find_session: AccountFinder | None, *, method: str, csrf: str | None,
                    now: datetime | None) -> Caller:
    caller = find_session(token_digest(session)) if find_session is not None else None
    if caller is None or (now is not None and caller.expires_at is not None and caller.expires_at <= now):
        raise Unauthorized("the session has ended or is not valid; sign in again (POST /api/v1/sessions)")
    check_csrf(method, csrf, caller.csrf_digest)
    return caller


def _same_secret(given: str, expected: str) -> bool:
    # bytes, because compare_digest refuses non-ASCII str and a header may hold anything
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


# The administrator's token may do anything; one that is short, or the development default that the
# README prints, is guessable by anyone who can reach the gateway.
MIN_ADMIN_TOKEN_LENGTH = 32


def is_loopback(host: str) -> bool:
    """Whether a gateway bound to `host` is reachable from this machine only. An empty host means
    every interface; any other name but `localhost` may resolve to anything, so it counts as public."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def admin_token_refusal(host: str, token: str) -> str | None:
    """Why the gateway must not serve on `host` with this administrator's token, or None if it may:
    off the loopback interface the token must be set, and at least MIN_ADMIN_TOKEN_LENGTH long."""
    if is_loopback(host):
        return None
    where = f"address {host!r}" if host else "every interface"
    if _same_secret(token, DEVELOPMENT_ADMIN_TOKEN):
        return (f"the gateway would listen on {where} with the development administrator's token; "
                f"set HUIQI_ADMIN_TOKEN to a random secret of at least {MIN_ADMIN_TOKEN_LENGTH} characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    if len(token) < MIN_ADMIN_TOKEN_LENGTH:
        return (f"the gateway would listen on {where} with a {len(token)}-character administrator's token; "
                f"HUIQI_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} characters off the loopback "
                "interface")
    return None
