"""The route table: every endpoint the gateway serves, in one place.

Each route names the service method that serves it (its `name`), what it takes (path, query
and body models, validated before any service is called), who may call it (`action`; None
means no token is needed) and what it answers. The entrypoint, the request reader and the
OpenAPI document all read this table, so the documentation cannot drift from the behaviour.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from services.gateway import schemas
from services.gateway.auth import Action
from shared.contracts.gov import BULK_ROUTING_KEY, EnterpriseEvent, ProfilesSynced
from shared.contracts.policies import PolicyDraft

API = "/api/v1"


@dataclass(frozen=True)
class Route:
    name: str                    # the GatewayService method and the OpenAPI operationId
    method: str
    path: str                    # OpenAPI template, e.g. /api/v1/enterprises/{uscc}
    summary: str
    group: str                   # the OpenAPI tag
    action: Action | None        # what authorize() is asked; None: no token needed
    path_params: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    bodies: tuple[type[BaseModel], ...] = ()
    choose_body: Callable[[Mapping[str, Any]], type[BaseModel]] | None = None
    body_optional: bool = False  # an empty body reads as `{}` (the body model's defaults)
    status: int = 200
    also: tuple[int, ...] = ()   # further success statuses, answered with `answer` too
    answer: type[BaseModel] | None = None
    answer_is_list: bool = False
    answer_headers: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()  # beyond those every route of its kind can give
    answer_on_error: tuple[int, ...] = ()  # error statuses whose body is `answer`, not ErrorResponse
    description: str = ""
    media: tuple[str, ...] = ()  # what the success answer is when not JSON (an image, an HTML page)
    upload: bool = False         # the body is multipart/form-data with one file, `file`

    @property
    def rule(self) -> str:
        """The werkzeug URL rule (`<uscc>` for `{uscc}`); parameters are validated by `path_params`."""
        return self.path.replace("{", "<").replace("}", ">")

    @property
    def needs_token(self) -> bool:
        return self.action is not None

    def body_model(self, path: Mapping[str, Any]) -> type[BaseModel] | None:
        if self.choose_body is not None:
            return self.choose_body(path)
        return self.bodies[0] if self.bodies else None

    def error_statuses(self) -> tuple[int, ...]:
        statuses = set(self.errors)
        if self.needs_token:
            # 503: a token other than the administrator's is looked up with the accounts service
            statuses |= {401, 403, 503}
        if self.path_params or self.query or self.bodies or self.upload:
            statuses.add(422)
        if self.bodies or self.upload:
            statuses.add(400)
        return tuple(sorted(statuses | {500}))


def _event_body(path: Mapping[str, Any]) -> type[BaseModel]:
    return ProfilesSynced if path["routing_key"] == BULK_ROUTING_KEY else EnterpriseEvent


ROUTE_LIST: tuple[Route, ...] = (
    Route("admin_clock", "POST", f"{API}/admin/clock", "Move every service's clock (time travel)", "operations",
          Action.set_clock, bodies=(schemas.ClockRequest,), answer=schemas.ClockAnswer, errors=(404, 503),
          description="For demos and tests only: 404 unless the platform runs with HUIQI_TIME_TRAVEL=1. Answers "
                      "once every service has taken the change."),
    Route("calendar_year", "GET", f"{API}/calendar/{{year}}", "A year's holidays and adjusted working days",
          "operations", Action.read_calendar, path_params=schemas.CalendarPath, answer=schemas.CalendarYear,
          errors=(503,), description="`source` official (the State Council notice loaded) or provisional (weekends "
                                     "and the statutory holidays, no adjusted days; due times counted on it are "
                                     "marked provisional)."),
    Route("load_calendar", "PUT", f"{API}/calendar/{{year}}", "Load a year's official arrangement (city administrator)",
          "operations", Action.load_calendar, path_params=schemas.CalendarPath, bodies=(schemas.CalendarRequest,),
          answer=schemas.CalendarYear, errors=(503,),
          description="No release needed: every service counting working days takes it, and every due time counted "
                      "across that year (stages, questions) is counted again within seconds. 422 naming the field "
                      "for a day outside the year, a holiday ending before it starts, overlapping holidays, or an "
                      "adjusted working day that is a weekday or also a holiday."),
    Route("health", "GET", "/health", "Whether the platform is ready to serve requests", "operations", None,
          answer=schemas.Health, errors=(503,), answer_on_error=(503,),
          description="200 when every service answers and is ready (its database, its bus consumers and what "
                      "it loads at start: the tag catalogue, the policy index); 503 naming those that are not, "
                      "and why."),
    Route("health_ready", "GET", "/health/ready", "Readiness probe: this gateway replica can serve", "operations",
          None, answer=schemas.Readiness, errors=(503,), answer_on_error=(503,),
          description="For a load balancer or Kubernetes readinessProbe: send requests to this replica only "
                      "while it answers 200. Asks no service: 200 once its RPC replies and bus consumers are "
                      "connected, whether or not the services behind it are up (GET /health says that)."),
    Route("health_live", "GET", "/health/live", "Liveness probe: this gateway process serves HTTP", "operations",
          None, answer=schemas.Liveness,
          description="200 whenever the process answers; asks no service (a service still starting must not get "
                      "the gateway restarted)."),
    Route("openapi", "GET", f"{API}/openapi.json", "This document", "operations", None),
    Route("publish_event", "POST", f"{API}/events/{{routing_key}}",
          "Publish a government event to gov.events, as an AMQP publisher would", "events",
          Action.publish_event, path_params=schemas.EventPath, bodies=(EnterpriseEvent, ProfilesSynced),
          choose_body=_event_body, status=202, answer=schemas.EventAccepted, errors=(503,),
          description="`enterprise.profiles_synced` takes the bulk body (ProfilesSynced; its items are "
                      "validated one by one by the tagging service); the other keys take EnterpriseEvent."),
    Route("sign_in", "POST", f"{API}/sessions", "Sign a person in with a login and password", "sign-in", None,
          bodies=(schemas.SignInRequest,), status=201, answer=schemas.SignedIn, errors=(401, 429, 503),
          answer_headers={"Set-Cookie": "huiqi_session: HttpOnly; SameSite=Strict; Path=/; Secure over https"},
          description="`login` is an enterprise's USCC or a staff account's login. Sets the session cookie; every "
                      "POST, PUT, PATCH and DELETE signed in by it must send `X-CSRF-Token` (from this answer or "
                      "GET /api/v1/me), else 403 `csrf`. A wrong login or password is 401 with one message for "
                      "both (账号或密码错误). 5 failures per login or 20 per client address within 15 minutes: "
                      "429 with Retry-After. docs/sign-in.md."),
    Route("sign_out", "DELETE", f"{API}/sessions", "Sign out: end this session", "sign-in", Action.sign_out,
          status=204, answer_headers={"Set-Cookie": "clears huiqi_session"},
          description="Ends the session of the cookie on every gateway replica and clears the cookie. A bearer "
                      "caller has no session: 204, nothing ends."),
    Route("whoami", "GET", f"{API}/me", "Who the token or session belongs to: role and scope", "accounts",
          Action.read_self, answer=schemas.Identity,
          description="`kind` says how the caller signed in; a session's answer carries its `csrf_token` and "
                      "`expires_at`, so a page loaded later can go on."),
    Route("change_password", "PUT", f"{API}/me/password", "Change one's own password", "sign-in",
          Action.change_password, bodies=(schemas.PasswordRequest,), answer=schemas.PasswordChanged,
          errors=(409, 429, 503),
          description="422 naming `old_password` when it is wrong (counted as a sign-in failure) or `new_password` "
                      "when it breaks the policy; 409 for an account without a password (a token only, or the "
                      "administrator's token). The account's other sessions end."),
    Route("start_registration", "POST", f"{API}/registrations",
          "An enterprise registers itself: a one-time code by SMS", "sign-in", None,
          bodies=(schemas.RegistrationRequest,), status=202, answer=schemas.RegistrationStarted,
          errors=(409, 429, 503),
          description="Sends a 6-digit code, valid 10 minutes, to the phone government data holds for the "
                      "enterprise (`contact_phone`). 409 if it has a password account already; 422 "
                      "`no_phone_on_file` when there is no phone on file (or no such enterprise); 429 past 1 "
                      "code a minute or 5 an hour; 503 `sms_unavailable` when SMS is not configured or failed "
                      "(ask again), 503 when the tagging service does not answer."),
    Route("confirm_registration", "POST", f"{API}/registrations/{{registration_id}}/confirm",
          "The code and a password create the enterprise's account", "sign-in", None,
          path_params=schemas.RegistrationPath, bodies=(schemas.ConfirmationRequest,), status=201,
          answer=schemas.RegistrationConfirmed, errors=(404, 409, 423, 503),
          description="Then sign in with the USCC and the password. A wrong code is 422 naming `code` with "
                      "`tries_left`; the fifth wrong code locks the registration (423, ask for a new code); an "
                      "expired or replaced code, or an enterprise registered meanwhile, is 409 with the reason."),
    Route("create_staff", "POST", f"{API}/staff", "Create a staff account (city administrator)", "accounts",
          Action.manage_accounts, bodies=(schemas.StaffRequest,), status=201, answer=schemas.AccountCreated,
          errors=(409, 503), description="The answer holds the account's bearer `token`, shown this once; only its "
                                         "digest is stored. department_staff needs `department` (a code in the "
                                         "register of departments, else 422), county_staff `county`. With "
                                         "`login` and `password` the person can also sign in (POST "
                                         "/api/v1/sessions); 409 if the login is taken. `phone` and "
                                         "`email` are where the person's alarms reach them (SMS, e-mail; "
                                         "422 naming the field if malformed); they see them in GET /api/v1/me."),
    Route("departments", "GET", f"{API}/departments", "The register of departments", "accounts",
          Action.read_departments, answer=schemas.Page[schemas.Department], errors=(503,),
          description="By code. The codes a policy's `department` and a department_staff account may name; any "
                      "other is refused (422), so a typo never creates a department."),
    Route("put_department", "PUT", f"{API}/departments/{{code}}", "Add a department to the register, or rename "
          "it (city administrator)", "accounts", Action.manage_departments, path_params=schemas.DepartmentPath,
          bodies=(schemas.DepartmentRequest,), answer=schemas.DepartmentChange, also=(201,), errors=(503,),
          description="201 when the code is new, 200 when it renames one. A code is lowercase letters, digits "
                      "and underscores, starting with a letter."),
    Route("create_enterprise_account", "POST", f"{API}/enterprises/{{uscc}}/accounts",
          "Create a token that acts for this enterprise only (city administrator)", "accounts",
          Action.manage_accounts, path_params=schemas.EnterprisePath, bodies=(schemas.EnterpriseAccountRequest,),
          body_optional=True, status=201, answer=schemas.AccountCreated, errors=(404, 503),
          description="404 unless the enterprise has a file (一企一档). The token is shown this once."),
    Route("create_system", "POST", f"{API}/systems",
          "Create an account for another government system (city administrator)", "accounts",
          Action.manage_accounts, bodies=(schemas.SystemRequest,), status=201, answer=schemas.AccountCreated,
          description="Contract section 14: its token may only publish events whose `source` is the account's "
                      "(`POST /api/v1/events/{routing_key}`); any other call, or another source, is 403. The "
                      "token is shown this once. On the bus the system gets a broker user of its own "
                      "(`huiqi broker-user`, docs/operations.md)."),
    Route("list_accounts", "GET", f"{API}/accounts", "Staff and enterprise accounts (never their tokens)",
          "accounts", Action.manage_accounts, query=schemas.AccountsQuery, answer=schemas.Page[schemas.Account]),
    Route("disable_account", "POST", f"{API}/accounts/{{account_id}}/disable", "Disable an account's token",
          "accounts", Action.manage_accounts, path_params=schemas.AccountPath, answer=schemas.Account,
          errors=(404, 409), description="Every gateway replica stops accepting the token at once: the change "
                                         "is broadcast on `huiqi.accounts`, and the answer comes once the broker "
                                         "has handed it to every replica."),
    Route("set_staff_contacts", "PUT", f"{API}/staff/{{account_id}}/contacts",
          "Set where a staff member's alarms reach them: their own, or any (city administrator)", "accounts",
          Action.set_staff_contacts, path_params=schemas.AccountPath, bodies=(schemas.ContactsRequest,),
          answer=schemas.Account, errors=(404, 409, 503),
          description="`phone` (SMS) and `email`; what the body leaves out is kept, null clears it. 422 naming the "
                      "field for a phone that is not a mainland mobile number or an e-mail that is not an address; "
                      "409 for an enterprise's or a system's account, or a disabled one. The notification service "
                      "is told (`account.staff_changed`): the next alarm goes there. GET /api/v1/me shows them."),
    Route("staff_deliveries", "GET", f"{API}/staff/{{account_id}}/deliveries",
          "Every staff alarm sent to a staff member (SMS, e-mail), newest first: their own, or any (city "
          "administrator)", "accounts", Action.read_staff_deliveries, path_params=schemas.AccountPath,
          query=schemas.PageQuery, answer=schemas.DeliveryRecord, answer_is_list=True, errors=(503,),
          answer_headers={"X-Total-Count": "deliveries to the staff member"},
          description="`kind` `alarm`; status, attempts, reason and the provider's answer as for an enterprise's "
                      "deliveries. The recipient in full to the staff member, masked to the city administrator. "
                      "An alarm's post to the WeChat group is the group's, in no one's list."),
    Route("get_enterprise", "GET", f"{API}/enterprises/{{uscc}}",
          "The enterprise's merged profile, tags, version and field sources", "enterprises",
          Action.read_enterprise, path_params=schemas.EnterprisePath, answer=schemas.EnterpriseFile,
          errors=(404, 503)),
    Route("enterprise_history", "GET", f"{API}/enterprises/{{uscc}}/history",
          "Every version of the enterprise's profile, newest first, with what changed", "enterprises",
          Action.read_enterprise, path_params=schemas.EnterprisePath, query=schemas.PageQuery,
          answer=schemas.Page[schemas.ProfileVersion], errors=(404, 503),
          description="Each version names the message that made it (source, sequence, event_id), the fields "
                      "it changed (from, to) and the tags the enterprise gained and lost."),
    Route("declare_interests", "PUT", f"{API}/enterprises/{{uscc}}/interests",
          "The enterprise declares its own policy interests (source `self`)", "enterprises",
          Action.declare_interests, path_params=schemas.EnterprisePath, bodies=(schemas.InterestsRequest,),
          answer=schemas.EnterpriseFile, errors=(404, 503),
          description="Replaces the declared interests and re-tags the enterprise (`interest.*`); policies it "
                      "now matches are pushed. 404 if the enterprise has no file yet: interests alone do not "
                      "register it."),
    Route("enterprise_policies", "GET", f"{API}/enterprises/{{uscc}}/policies",
          "The published policies this enterprise matches now", "enterprises", Action.read_enterprise,
          path_params=schemas.EnterprisePath, answer=schemas.EnterprisePolicy, answer_is_list=True,
          errors=(404, 503)),
    Route("enterprise_near_misses", "GET", f"{API}/enterprises/{{uscc}}/near-misses",
          "The policies in force this enterprise misses by exactly one condition (还差一项)", "enterprises",
          Action.read_enterprise, path_params=schemas.EnterprisePath, query=schemas.PageQuery,
          answer=schemas.Page[schemas.EnterpriseNearMiss], errors=(404, 503),
          description="Newest policy first. A condition is one member of the rule's top-level `all`, as for "
                      "`/policies/{policy_id}/near-misses`; each item names it, in Chinese and as rule JSON, "
                      "with its leaves judged against the enterprise's values. Empty for an enterprise that is "
                      "not active; 404 if the policy service does not know the enterprise."),
    Route("enterprise_notifications", "GET", f"{API}/enterprises/{{uscc}}/notifications",
          "The enterprise's inbox, newest first", "enterprises", Action.read_notifications,
          path_params=schemas.EnterprisePath, query=schemas.PageQuery, answer=schemas.Notification,
          answer_is_list=True, errors=(503,),
          answer_headers={"X-Total-Count": "notifications in the inbox",
                          "X-Unread-Count": "notifications not yet read"}),
    Route("mark_notification_read", "POST", f"{API}/enterprises/{{uscc}}/notifications/{{notification_id}}/read",
          "Mark one notification read", "enterprises", Action.mark_notification_read,
          path_params=schemas.NotificationPath, answer=schemas.Notification, errors=(404, 503)),
    Route("notification_preferences", "GET", f"{API}/enterprises/{{uscc}}/notification-preferences",
          "The enterprise's notification preferences, with the channels available now", "enterprises",
          Action.read_notification_preferences, path_params=schemas.EnterprisePath,
          answer=schemas.NotificationPreferences, errors=(503,),
          description="The defaults (every kind in the inbox only, quiet hours 21:00 to 08:00, digest immediate, "
                      "`updated_at` null) until the enterprise saves its own."),
    Route("set_notification_preferences", "PUT", f"{API}/enterprises/{{uscc}}/notification-preferences",
          "The enterprise sets how it is notified: channels per notice kind, quiet hours, digest", "enterprises",
          Action.set_notification_preferences, path_params=schemas.EnterprisePath,
          bodies=(schemas.NotificationPreferencesRequest,), answer=schemas.NotificationPreferences, errors=(503,),
          description="What the body leaves out is kept. 422 naming the field (`kinds.<kind>`, "
                      "`kinds.<kind>.<index>`, `quiet_hours.<index>`, `digest`) for an unknown kind or channel, a "
                      "time that is not HH:MM, equal start and end, or an unknown digest."),
    Route("contacts", "GET", f"{API}/enterprises/{{uscc}}/contacts",
          "The enterprise's phone and e-mail for notifications", "enterprises", Action.read_contacts,
          path_params=schemas.EnterprisePath, answer=schemas.Contacts, errors=(503,),
          description="In full to the enterprise itself, masked (`138****1234`, `z***@example.com`) to staff; "
                      "null until it gives them."),
    Route("set_contacts", "PUT", f"{API}/enterprises/{{uscc}}/contacts",
          "The enterprise sets where SMS and e-mail reach it", "enterprises", Action.set_contacts,
          path_params=schemas.EnterprisePath, bodies=(schemas.ContactsRequest,), answer=schemas.Contacts,
          errors=(503,), description="What the body leaves out is kept; null clears it. 422 naming the field for "
                                     "a phone that is not a mainland mobile number or an e-mail that is not an "
                                     "address."),
    Route("enterprise_deliveries", "GET", f"{API}/enterprises/{{uscc}}/deliveries",
          "Every message sent to the enterprise beyond its inbox (SMS, e-mail, WeChat), newest first", "enterprises",
          Action.read_deliveries, path_params=schemas.EnterprisePath, query=schemas.PageQuery,
          answer=schemas.DeliveryRecord, answer_is_list=True, errors=(503,),
          answer_headers={"X-Total-Count": "deliveries to the enterprise"},
          description="Status `queued`, `deferred` (quiet hours, the daily SMS limit, or a retry after a failed "
                      "attempt; `reason` says which), `sent` or `failed` (`reason` says why), with the attempts "
                      "and the provider's answer and id. The recipient in full to the enterprise itself, masked "
                      "to staff."),
    Route("tags", "GET", f"{API}/tags", "The tag catalogue", "tags", Action.read_tags, query=schemas.TagsQuery,
          answer=schemas.TagCatalogue, errors=(503,)),
    Route("preview_tag", "POST", f"{API}/tags/preview", "How many enterprises a tag rule would tag, with a sample",
          "tags", Action.manage_tags, bodies=(schemas.TagPreviewRequest,), answer=schemas.TagPreview,
          errors=(503,), description="With `code` of an existing tag, also who would gain and who would lose it. "
                                     "Nothing is saved."),
    Route("create_tag", "POST", f"{API}/tags", "Add a tag to the catalogue; every enterprise is re-tagged", "tags",
          Action.manage_tags, bodies=(schemas.TagCreateRequest,), status=202, answer=schemas.CatalogueChange,
          errors=(409, 503), description="Answers at once with the re-tag `job_id`; policies that enterprises "
                                         "newly match are pushed as the job goes."),
    Route("change_tag", "PUT", f"{API}/tags/{{code}}", "Change a tag's rule, name or description", "tags",
          Action.manage_tags, path_params=schemas.TagPath, bodies=(schemas.TagChangeRequest,), status=202,
          answer=schemas.CatalogueChange, errors=(404, 503)),
    Route("retire_tag", "DELETE", f"{API}/tags/{{code}}", "Retire a tag; every enterprise loses it", "tags",
          Action.manage_tags, path_params=schemas.TagPath, status=202, answer=schemas.CatalogueChange,
          errors=(404, 409, 503), description="409 naming the published policies whose rules use the tag: "
                                              "change them first."),
    Route("jobs", "GET", f"{API}/jobs", "Re-tag jobs, newest first", "tags", Action.manage_tags,
          query=schemas.PageQuery, answer=schemas.Page[schemas.Job], errors=(503,)),
    Route("get_job", "GET", f"{API}/jobs/{{job_id}}", "A re-tag job's progress: state, done, total", "tags",
          Action.manage_tags, path_params=schemas.JobPath, answer=schemas.Job, errors=(404, 503)),
    Route("create_policy", "POST", f"{API}/policies", "Create a draft policy", "policies",
          Action.create_policy, bodies=(PolicyDraft,), status=201, answer=schemas.Policy,
          answer_headers={"Location": "the new policy's URL"}, errors=(503,),
          description="The eligibility rule is checked by the policy service: an unknown tag or field, "
                      "or a malformed rule, is refused with 422 saying where."),
    Route("preview_policy", "POST", f"{API}/policies/preview",
          "How many enterprises an eligibility rule matches now, with a sample (匹配企业数)", "policies",
          Action.create_policy, bodies=(schemas.PolicyPreviewRequest,), answer=schemas.PolicyPreview,
          errors=(503,), description="Before publishing: the rule is checked as a draft's is (422 naming the "
                                     "node), then counted against every active enterprise as the policy service "
                                     "knows it. Nothing is saved."),
    Route("publish_policy", "POST", f"{API}/policies/{{policy_id}}/publish",
          "Publish a policy: every matching enterprise gets it pushed, once", "policies",
          Action.publish_policy, path_params=schemas.PolicyPath, answer=schemas.Policy, errors=(404, 409, 503)),
    Route("revise_policy", "PUT", f"{API}/policies/{{policy_id}}",
          "Revise a draft or published policy: a new version, every field replaced", "policies",
          Action.revise_policy, path_params=schemas.PolicyPath, bodies=(PolicyDraft,), answer=schemas.Policy,
          errors=(404, 409, 503),
          description="A published policy's new rule takes effect at once: enterprises that now qualify are "
                      "pushed (once ever), those that no longer qualify drop it. Every version is kept "
                      "(`/versions`). 409 for a withdrawn or expired policy."),
    Route("withdraw_policy", "POST", f"{API}/policies/{{policy_id}}/withdraw",
          "Withdraw a published policy: it matches no one any more", "policies", Action.withdraw_policy,
          path_params=schemas.PolicyPath, bodies=(schemas.WithdrawRequest,), answer=schemas.Policy,
          errors=(404, 409, 503)),
    Route("policy_versions", "GET", f"{API}/policies/{{policy_id}}/versions", "Every version of a policy, newest "
          "first", "policies", Action.read_policy_drafts, path_params=schemas.PolicyPath,
          answer=schemas.PolicyVersion, answer_is_list=True, errors=(404, 503)),
    Route("explain_policy", "GET", f"{API}/policies/{{policy_id}}/explain/{{uscc}}",
          "Why an enterprise does or does not match: each condition with its value", "policies",
          Action.explain_policy, path_params=schemas.ExplainPath, answer=schemas.PolicyExplanation,
          errors=(404, 503)),
    Route("near_misses", "GET", f"{API}/policies/{{policy_id}}/near-misses",
          "Enterprises failing exactly one condition, each with it, a page at a time", "policies",
          Action.read_near_misses, path_params=schemas.PolicyPath, query=schemas.NearMissQuery,
          answer=schemas.NearMisses, errors=(404, 503),
          description="A condition is one member of the rule's top-level `all`; `conditions` counts the "
                      "near-misses by the condition they fail, the cheapest way to widen the policy's reach, and "
                      "`items` lists every one of them, page by page. With `uscc`, only that enterprise (404 if "
                      "the platform does not know it): an enterprise's own token may ask so for itself."),
    Route("near_misses_xlsx", "GET", f"{API}/policies/{{policy_id}}/near-misses.xlsx",
          "Every near-miss of a policy as an Excel workbook", "policies", Action.read_near_misses,
          path_params=schemas.PolicyPath, query=schemas.NearMissFilter, errors=(404, 503),
          media=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
          description="The same enterprises as `near-misses`, all of them, one row each (Chinese headers)."),
    Route("import_policies", "POST", f"{API}/policies/import", "Import draft policies from a spreadsheet",
          "policies", Action.import_policies, upload=True, answer=schemas.ImportResult, errors=(413, 503),
          description="A CSV (UTF-8 or GB18030) or XLSX file in the multipart field `file`, one policy per row, "
                      "columns as docs/import.md documents (English or Chinese headers). Every bad row is reported "
                      "with its row number and reason; the good rows become drafts. Department and county staff "
                      "may import only their own policies; other rows are reported as errors."),
    Route("ask_question", "POST", f"{API}/policies/{{policy_id}}/questions", "Ask a question on a policy (政策咨询)",
          "questions", Action.ask_question, path_params=schemas.PolicyPath, bodies=(schemas.QuestionRequest,),
          status=201, answer=schemas.Question, errors=(404, 409, 503),
          description="The owning department answers; unanswered after 2 working days (official calendar), the "
                      "question is overdue. Only published policies take questions (409)."),
    Route("policy_questions", "GET", f"{API}/policies/{{policy_id}}/questions",
          "Questions on a policy with their `overdue` flag", "questions", Action.read_questions,
          path_params=schemas.PolicyPath, query=schemas.QuestionsQuery, answer=schemas.QuestionPage,
          errors=(404, 503), description="An enterprise sees its own questions only."),
    Route("questions", "GET", f"{API}/questions", "Questions in the caller's scope; `overdue=true` lists the late",
          "questions", Action.read_questions, query=schemas.QuestionsQuery, answer=schemas.QuestionPage,
          errors=(503,), description="Department staff see their department's, county staff their county's, an "
                                     "enterprise its own; overdue ones are listed longest overdue first."),
    Route("answer_question", "POST", f"{API}/questions/{{question_id}}/answer", "Answer a question (the owning "
          "department)", "questions", Action.answer_question, path_params=schemas.QuestionPath,
          bodies=(schemas.AnswerRequest,), answer=schemas.Question, errors=(404, 409, 503)),
    Route("create_pack", "POST", f"{API}/packs", "Bundle published policies into a gift pack (大礼包)", "packs",
          Action.manage_packs, bodies=(schemas.PackRequest,), status=201, answer=schemas.Pack,
          errors=(503,), description="Answers with the pack's short `code` and the public `url` its QR code "
                                     "points at."),
    Route("list_packs", "GET", f"{API}/packs", "Gift packs, newest first, with their scans", "packs",
          Action.read_packs, query=schemas.PageQuery, answer=schemas.Page[schemas.Pack], errors=(503,)),
    Route("get_pack", "GET", f"{API}/packs/{{pack_id}}", "One gift pack with its scans", "packs", Action.read_packs,
          path_params=schemas.PackPath, answer=schemas.Pack, errors=(404, 503)),
    Route("pack_qr_png", "GET", f"{API}/packs/{{pack_id}}/qr.png", "The pack's QR code as PNG", "packs",
          Action.read_packs, path_params=schemas.PackPath, media=("image/png",), errors=(404, 503)),
    Route("pack_qr_svg", "GET", f"{API}/packs/{{pack_id}}/qr.svg", "The pack's QR code as SVG", "packs",
          Action.read_packs, path_params=schemas.PackPath, media=("image/svg+xml",), errors=(404, 503)),
    Route("public_pack", "GET", "/packs/{code}", "A gift pack's public page (no token): HTML, or JSON when asked",
          "packs", None, path_params=schemas.PackCodePath, answer=schemas.PublicPack, media=("text/html",),
          errors=(404, 503), description="`Accept: application/json` gives JSON and counts a scan. A browser "
                                         "(accepting HTML) gets the portal's page, which fetches that JSON: one "
                                         "scan a visit. Without a built portal, or without an Accept header, the "
                                         "gateway renders the HTML page itself (a scan)."),
    Route("search_policies", "GET", f"{API}/policies", "Search policies", "policies", Action.read_policy,
          query=schemas.PolicySearchQuery, answer=schemas.Page[schemas.PolicyListed], errors=(503,),
          description="Best match first; newest first without `q`."),
    Route("get_policy", "GET", f"{API}/policies/{{policy_id}}", "One policy", "policies", Action.read_policy,
          path_params=schemas.PolicyPath, answer=schemas.Policy, errors=(404, 503)),
    Route("submit_application", "POST", f"{API}/applications", "Apply for a redeemable policy the enterprise matches",
          "applications", Action.submit_application, bodies=(schemas.ApplicationRequest,), status=201,
          answer=schemas.Application, errors=(404, 409, 413, 503),
          description="By the enterprise's own token or a window clerk. The form is pre-filled from the "
                      "enterprise's file. 409 with the reason when it does not match the policy (the conditions "
                      "it misses), when the policy is not redeemable or not published, or when an application "
                      "for it or for a policy of its exclusive group is open."),
    Route("get_application", "GET", f"{API}/applications/{{application_id}}",
          "An application: stage, amount, due times, who acts next, timeline, history", "applications",
          Action.read_applications, path_params=schemas.ApplicationPath, answer=schemas.Application,
          errors=(404, 503)),
    Route("list_applications", "GET", f"{API}/applications", "The applications the caller may see, overdue first",
          "applications", Action.read_applications, query=schemas.ApplicationsQuery,
          answer=schemas.Page[schemas.ApplicationListed], errors=(503,),
          description="Longest overdue first. A department sees those routed to it, a county's staff those of its "
                      "county-level policies, an enterprise its own."),
    Route("act_on_application", "POST", f"{API}/applications/{{application_id}}/actions",
          "Move an application: accept, return, resubmit, route, approve, reject, object, disburse, confirm",
          "applications", Action.act_on_application, path_params=schemas.ApplicationPath,
          bodies=(schemas.ActionRequest,), answer=schemas.ActionAnswer, errors=(404, 409, 503),
          description="409 for an action the stage does not allow (naming those it does) or an approval "
                      "beyond the remaining budget; 403 for a role that may not take it. `object` (during a "
                      "public notice, by anyone but the applicant and the reviewing department) needs a "
                      "`comment`, is taken once per enterprise (409 the second time), and is answered with the "
                      "notice's public record: enterprise name, policy, amount and the objection, never the "
                      "form."),
    Route("act_on_applications", "POST", f"{API}/applications/actions",
          "The same action on up to 100 applications (批量受理、批量审批): one outcome each", "applications",
          Action.act_in_batch, bodies=(schemas.BatchActionRequest,), answer=schemas.BatchActionAnswer,
          errors=(503,),
          description="For staff working a queue (an enterprise acts on its own applications one at a time). "
                      "Each application is moved, or refused, exactly as the action on it alone would be, in a "
                      "savepoint of its own: the refused ones carry their reason, the others stand. `approve` "
                      "grants the formula's amount; another amount needs the single action."),
    Route("application_statistics", "GET", f"{API}/applications/stats",
          "Applications by stage, and the share of redemptions that were proactive (免申即享)", "applications",
          Action.read_application_statistics, answer=schemas.ApplicationStatistics, errors=(503,),
          description="Over what the caller may see: a department its own, an enterprise its own."),
    Route("alarms", "GET", f"{API}/alarms",
          "The caller's alarms: stages, follow-ups, rectifications and counsellors' problems past due",
          "applications", Action.read_alarms, query=schemas.PageQuery, answer=schemas.AlarmPage, errors=(503,),
          description="The application service's alarms (`overdue`, `escalation`), the evaluation service's "
                      "(`follow_up_overdue`, `rectification_overdue`) and the counselling service's "
                      "(`problem_unanswered`) in one list, newest `raised_at` first; `total`, `offset` and `limit` "
                      "are the merged list's. A department's or county's staff see their own, the window its "
                      "stages, a counsellor its team's problems' (and those that climbed to its team's level) "
                      "alone, the city administrator all. When the evaluation or the counselling service does not "
                      "answer, the list is without its alarms and `warnings` says so; 503 only when the "
                      "application service (for a counsellor: the counselling service) does not answer."),
    # --- ratings and the three evaluations (三评, contract section 9) -----------------------------
    Route("rate", "POST", f"{API}/ratings", "Rate a push received or an own finished application, 1 to 5 stars "
          "(好差评)", "ratings", Action.rate, bodies=(schemas.RatingRequest,), status=201, answer=schemas.Rating,
          errors=(404, 409, 503),
          description="By an enterprise's token only. A push only if the policy was pushed to it (403 otherwise); "
                      "an application only its own (403), once `completed` or `rejected` (409 with the stage). "
                      "Rating the same subject again replaces the score; the earlier one stays in `history`. 1 or "
                      "2 stars open a follow-up (差评回访) for the policy's department, due at the end of the 5th "
                      "working day."),
    Route("list_ratings", "GET", f"{API}/ratings", "Ratings the caller may see, with their average", "ratings",
          Action.read_ratings, query=schemas.RatingsQuery, answer=schemas.RatingPage, errors=(503,),
          description="An enterprise its own; a department's staff its policies'; a county's staff its county-level "
                      "policies'; the city administrator and assessors all. `average` is over the whole list."),
    Route("list_follow_ups", "GET", f"{API}/follow-ups", "Follow-ups of bad ratings (差评回访) the caller may see",
          "ratings", Action.read_follow_ups, query=schemas.FollowUpsQuery, answer=schemas.Page[schemas.FollowUp],
          errors=(503,), description="Who sees which as for ratings; `overdue` when open past `due_at`."),
    Route("close_follow_up", "POST", f"{API}/follow-ups/{{follow_up_id}}/close", "Close a follow-up with its outcome",
          "ratings", Action.close_follow_up, path_params=schemas.FollowUpPath, bodies=(schemas.FollowUpCloseRequest,),
          answer=schemas.FollowUp, errors=(404, 409, 503),
          description="By the responsible department's staff (a county's staff for a county-level policy of "
                      "theirs) or the city administrator; 403 for others, 409 once closed. The enterprise sees "
                      "the outcome with its rating."),
    Route("open_evaluation", "POST", f"{API}/evaluations", "Open an evaluation round (三评) with its weights",
          "evaluations", Action.manage_evaluations, bodies=(schemas.RoundRequest,), status=201, answer=schemas.Round,
          answer_headers={"Location": "the round's URL"}, errors=(503,),
          description="`weights` over exactly the five dimensions and `source_weights` over exactly the four "
                      "sources, each 0 to 1 and each set summing to 1 (422 naming the set otherwise)."),
    Route("list_evaluations", "GET", f"{API}/evaluations", "Evaluation rounds, newest first", "evaluations",
          Action.read_evaluations, query=schemas.PageQuery, answer=schemas.Page[schemas.Round], errors=(503,)),
    Route("get_evaluation", "GET", f"{API}/evaluations/{{evaluation_id}}", "One evaluation round", "evaluations",
          Action.read_round, path_params=schemas.EvaluationPath, answer=schemas.Round, errors=(404, 503),
          description="Staff read every round; an enterprise only a round it is in the scope of (it matched or "
                      "applied to a policy in the period), 403 otherwise."),
    Route("self_assess", "POST", f"{API}/evaluations/{{evaluation_id}}/self-assessments",
          "File the caller's own unit's self-assessment (自评)", "evaluations", Action.self_assess,
          path_params=schemas.EvaluationPath, bodies=(schemas.SelfAssessmentRequest,), status=201,
          answer=schemas.Filing, errors=(404, 409, 503),
          description="Department staff for their department, county staff for their county (403 for another "
                      "unit), while the round is open (409 after it closed). Filing again replaces the filing."),
    Route("assess", "POST", f"{API}/evaluations/{{evaluation_id}}/assessments",
          "File third-party scores for a department or county (第三方评估)", "evaluations", Action.assess,
          path_params=schemas.EvaluationPath, bodies=(schemas.AssessmentRequest,), status=201,
          answer=schemas.Filing, errors=(404, 409, 503),
          description="By an assessor, for any department or county; one filing per assessor and unit, replaced "
                      "by the next. 409 after the round closed."),
    Route("set_survey", "POST", f"{API}/evaluations/{{evaluation_id}}/survey", "Set the round's questionnaire",
          "evaluations", Action.manage_evaluations, path_params=schemas.EvaluationPath,
          bodies=(schemas.SurveyRequest,), answer=schemas.Round, errors=(404, 409, 503),
          description="Every enterprise that matched a policy or applied in the period finds it in its inbox "
                      "(kind `survey`). 409 once the round is closed."),
    Route("survey", "GET", f"{API}/evaluations/{{evaluation_id}}/survey",
          "The round's questionnaire, for an enterprise in its scope", "evaluations", Action.read_survey,
          path_params=schemas.EvaluationPath, answer=schemas.Questionnaire, errors=(404, 409, 503),
          description="403 for an enterprise outside the round's scope; `answered` once it has answered."),
    Route("answer_survey", "POST", f"{API}/evaluations/{{evaluation_id}}/survey/responses",
          "Answer the round's questionnaire, once", "evaluations", Action.answer_survey,
          path_params=schemas.EvaluationPath, bodies=(schemas.SurveyResponseRequest,), status=201,
          answer=schemas.SurveyResponse, errors=(404, 409, 503),
          description="By an enterprise in the round's scope (403 otherwise): `answers`, one 1 to 5 per question "
                      "in order (422 otherwise). 409 the second time, before a questionnaire is set and after the "
                      "round closed."),
    Route("close_evaluation", "POST", f"{API}/evaluations/{{evaluation_id}}/close",
          "Close the round: compute and freeze its results", "evaluations", Action.manage_evaluations,
          path_params=schemas.EvaluationPath, answer=schemas.Round, errors=(404, 409, 503),
          description="409 when it is closed already."),
    Route("evaluation_results", "GET", f"{API}/evaluations/{{evaluation_id}}/results",
          "A closed round's scores and ranks per department, county and policy", "evaluations",
          Action.read_evaluations, path_params=schemas.EvaluationPath, answer=schemas.Results,
          errors=(404, 409, 503),
          description="Each entry: `score` 0 to 100, `rank` (1, 2, 2, 4), `rank_range` (best and worst rank with "
                      "every weight moved by ±20%), the five `dimensions` and four `sources`. docs/evaluation.md "
                      "gives every formula. 409 while the round is open."),
    Route("evaluation_results_xlsx", "GET", f"{API}/evaluations/{{evaluation_id}}/results.xlsx",
          "A closed round's results as an Excel workbook", "evaluations", Action.read_evaluations,
          path_params=schemas.EvaluationPath, errors=(404, 409, 503),
          media=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
          description="Sheets 部门排名, 县区排名, 政策得分 and 权重, Chinese headers, scores as numbers (shown "
                      "to 2 places, kept whole); the file is 评价结果-<id>.xlsx."),
    Route("issue_rectification", "POST", f"{API}/rectifications", "Issue a rectification to a department or county "
          "(整改交办)", "rectifications", Action.manage_rectifications, bodies=(schemas.RectificationRequest,),
          status=201, answer=schemas.Rectification, answer_headers={"Location": "the rectification's URL"},
          errors=(404, 409, 503),
          description="Past the end of `due_on` (China time) and not verified, it is an alarm to the unit, once."),
    Route("list_rectifications", "GET", f"{API}/rectifications", "Rectifications the caller may see", "rectifications",
          Action.read_rectifications, query=schemas.RectificationsQuery,
          answer=schemas.Page[schemas.Rectification], errors=(503,),
          description="The city administrator and assessors all; a department's or county's staff their unit's."),
    Route("get_rectification", "GET", f"{API}/rectifications/{{rectification_id}}",
          "One rectification with its history", "rectifications", Action.read_rectifications,
          path_params=schemas.RectificationPath, answer=schemas.Rectification, errors=(404, 503)),
    Route("report_rectification", "POST", f"{API}/rectifications/{{rectification_id}}/progress",
          "Report progress on a rectification (the unit)", "rectifications", Action.report_rectification,
          path_params=schemas.RectificationPath, bodies=(schemas.RectificationProgressRequest,),
          answer=schemas.Rectification, errors=(404, 409, 503),
          description="By the unit's staff (403 for another unit's): issued or in progress, it is in progress. 409 "
                      "naming the state otherwise."),
    Route("complete_rectification", "POST", f"{API}/rectifications/{{rectification_id}}/complete",
          "Complete a rectification with evidence (the unit)", "rectifications", Action.report_rectification,
          path_params=schemas.RectificationPath, bodies=(schemas.RectificationCompleteRequest,),
          answer=schemas.Rectification, errors=(404, 409, 503),
          description="By the unit's staff; then the city administrator verifies or reopens it."),
    Route("verify_rectification", "POST", f"{API}/rectifications/{{rectification_id}}/verify",
          "Verify a completed rectification (city administrator)", "rectifications", Action.manage_rectifications,
          path_params=schemas.RectificationPath, answer=schemas.Rectification, errors=(404, 409, 503),
          description="409 naming the state unless it is completed."),
    Route("reopen_rectification", "POST", f"{API}/rectifications/{{rectification_id}}/reopen",
          "Reopen a completed rectification, with the reason (city administrator)", "rectifications",
          Action.manage_rectifications, path_params=schemas.RectificationPath,
          bodies=(schemas.RectificationReopenRequest,), answer=schemas.Rectification, errors=(404, 409, 503),
          description="Back in progress; 409 naming the state unless it is completed."),
    # --- financial counsellors (金融辅导员, contract section 10) --------------------------------------
    Route("create_team", "POST", f"{API}/counsellor-teams", "Form a team of counsellors (city administrator)",
          "counselling", Action.manage_counselling, bodies=(schemas.TeamRequest,), status=201, answer=schemas.Team,
          answer_headers={"Location": "the team's URL"}, errors=(409, 503),
          description="Level province, city or county; a county team names its county. Counsellor accounts join "
                      "it with `team_id` (POST /api/v1/staff). 409 for a name another team has."),
    Route("list_teams", "GET", f"{API}/counsellor-teams", "Counsellor teams, with how many enterprises each serves",
          "counselling", Action.read_counselling, answer=schemas.Page[schemas.Team], errors=(503,),
          description="A counsellor sees its own team only."),
    Route("get_team", "GET", f"{API}/counsellor-teams/{{team_id}}", "One team and the enterprises it serves",
          "counselling", Action.read_counselling, path_params=schemas.TeamPath, answer=schemas.Team,
          errors=(404, 503), description="A counsellor reads its own team only (403 for another)."),
    Route("assign_team_enterprises", "PUT", f"{API}/counsellor-teams/{{team_id}}/enterprises",
          "Set the enterprises a team serves (city administrator)", "counselling", Action.manage_counselling,
          path_params=schemas.TeamPath, bodies=(schemas.TeamEnterprisesRequest,), answer=schemas.Team,
          errors=(404, 409, 503),
          description="The whole list: enterprises not in it leave the team. An enterprise is served by one team: "
                      "one another team serves is a 409 naming it. The team's counsellors reach these enterprises "
                      "only (403 elsewhere)."),
    Route("add_visit", "POST", f"{API}/enterprises/{{uscc}}/visits", "Log a visit to an enterprise (its counsellor)",
          "counselling", Action.counsel, path_params=schemas.EnterprisePath, bodies=(schemas.VisitRequest,),
          status=201, answer=schemas.Visit, errors=(503,),
          description="A counsellor of the team that serves the enterprise (403 for any other)."),
    Route("list_visits", "GET", f"{API}/enterprises/{{uscc}}/visits", "An enterprise's visits, newest first",
          "counselling", Action.read_counselling, path_params=schemas.EnterprisePath, query=schemas.PageQuery,
          answer=schemas.Page[schemas.Visit], errors=(503,),
          description="Its team's counsellors, the city administrator and assessors."),
    Route("put_financing_plan", "PUT", f"{API}/enterprises/{{uscc}}/financing-plan",
          "Draw or change the enterprise's financing plan (一企一方案, its counsellor)", "counselling", Action.counsel,
          path_params=schemas.EnterprisePath, bodies=(schemas.PlanRequest,), answer=schemas.FinancingPlan,
          errors=(503,), description="One plan per enterprise; each change is a new version and a "
                                     "`counselling.plan_changed` event."),
    Route("get_financing_plan", "GET", f"{API}/enterprises/{{uscc}}/financing-plan",
          "The enterprise's financing plan, with the financing policies it matches now", "counselling",
          Action.read_counselling, path_params=schemas.EnterprisePath, answer=schemas.FinancingPlan, errors=(503,),
          description="Financing policies: in force, using the `interest.financing` tag (or a `financing.` one), "
                      "and matching the enterprise now, as the counselling service learned from the policy "
                      "service's events (no call per request)."),
    Route("raise_problem", "POST", f"{API}/enterprises/{{uscc}}/problems",
          "Raise a problem (一问题一落实): the enterprise itself or its counsellor", "counselling",
          Action.raise_problem, path_params=schemas.EnterprisePath, bodies=(schemas.ProblemRequest,), status=201,
          answer=schemas.Problem, answer_headers={"Location": "the problem's URL"}, errors=(409, 503),
          description="The enterprise's team answers within 24 clock hours (weekends and holidays count). 409 "
                      "while no team serves the enterprise."),
    Route("get_problem", "GET", f"{API}/problems/{{problem_id}}", "One problem with every response to it",
          "counselling", Action.read_problems, path_params=schemas.ProblemPath, answer=schemas.Problem,
          errors=(404, 503), description="The enterprise its own, its team's counsellors, the city administrator "
                                         "and assessors."),
    Route("respond_to_problem", "POST", f"{API}/problems/{{problem_id}}/responses",
          "Answer a problem with measures and a status (the team's counsellors)", "counselling", Action.counsel,
          path_params=schemas.ProblemPath, bodies=(schemas.ProblemResponseRequest,), answer=schemas.Problem,
          errors=(404, 409, 503),
          description="`in_progress` or `resolved`; every response is kept as a version of the measures. The first "
                      "one stops the alarms. 409 once it is resolved."),
    Route("counselling_ledger", "GET", f"{API}/counselling/ledger", "The problem ledger (工作台账), oldest first",
          "counselling", Action.read_counselling, query=schemas.LedgerQuery, answer=schemas.Ledger, errors=(503,),
          description="By team and status, with each problem's age and, per team, the 24-hour rate. A counsellor "
                      "sees its own team's (403 for another `team_id`)."),
    Route("counselling_ledger_xlsx", "GET", f"{API}/counselling/ledger.xlsx", "The ledger as an Excel workbook",
          "counselling", Action.read_counselling, query=schemas.LedgerFilter, errors=(503,),
          media=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
          description="Sheets 工作台账 (every problem in the filter) and 团队24小时答复率; the file is 工作台账.xlsx."),
    Route("counselling_alarms", "GET", f"{API}/counselling/alarms",
          "Problems not answered within 24 hours, and those that climbed a level", "counselling",
          Action.read_counselling, query=schemas.PageQuery, answer=schemas.Page[schemas.CounsellingAlarm],
          errors=(503,),
          description="A counsellor: its team's problems' alarms, and those that climbed to its team's level (a "
                      "county team: of its county). Newest first."),
    Route("counselling_statistics", "GET", f"{API}/counselling/statistics",
          "Team statistics: enterprises served, financing coordinated, problems resolved", "counselling",
          Action.read_counselling, answer=schemas.Page[schemas.TeamStatistics], errors=(503,),
          description="A counsellor sees its own team's."),
    Route("quarantine", "GET", f"{API}/quarantine", "Rejected inbound messages, with reasons", "operations",
          Action.read_quarantine, query=schemas.QuarantineQuery, answer=schemas.Page[schemas.QuarantinedMessage],
          errors=(503,)),
    Route("replay_quarantined", "POST", f"{API}/quarantine/{{quarantine_id}}/replay",
          "Apply a rejected message again, optionally with a corrected body", "operations",
          Action.resolve_quarantine, path_params=schemas.QuarantinePath, bodies=(schemas.ReplayRequest,),
          body_optional=True, answer=schemas.QuarantinedMessage, errors=(404, 409, 503),
          description="Validated as a consumed message is: still invalid gives 422 naming the fields and the "
                      "message keeps waiting; valid, it is applied (or recorded as stale) and marked replayed. "
                      "409 unless it is waiting."),
    Route("discard_quarantined", "POST", f"{API}/quarantine/{{quarantine_id}}/discard",
          "Discard a rejected message, with the reason", "operations", Action.resolve_quarantine,
          path_params=schemas.QuarantinePath, bodies=(schemas.DiscardRequest,),
          answer=schemas.QuarantinedMessage, errors=(404, 409, 503),
          description="The reason and who discarded it are kept with the message. 409 unless it is waiting."),
    Route("dead_letters", "GET", f"{API}/admin/dead-letters", "A service's dead letters", "operations",
          Action.read_dead_letters, query=schemas.DeadLettersQuery, answer=schemas.DeadLetter,
          answer_is_list=True, errors=(503,)),
)

ROUTES: dict[str, Route] = {route.name: route for route in ROUTE_LIST}
