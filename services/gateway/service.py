"""Gateway service: the HTTP routes of contract section 4, nothing else.

Each route is declared in `routes.py`; by the time a method here runs, the caller is known and
allowed, and its path, query and body are valid. Run with
`nameko run --config deploy/nameko.yaml services.gateway.service:GatewayService`.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import eventlet
from nameko.events import EventDispatcher
from werkzeug.wrappers import Response

from services.gateway import portal
from services.gateway.alarms import EVALUATION_ALARM_ROLES, merged_alarms, with_counselling
from services.gateway.auth import Action, Caller, Resource, Role, authorize, require
from services.gateway.dependencies import GovEventPublisher, TimedRpcProxy
from services.gateway.errors import InvalidRequest, ServiceUnavailable
from services.gateway.health import check_services
from services.gateway.openapi import document as openapi_document
from services.gateway.packs import pack_url, qr_png, qr_svg, render_page
from services.gateway.personal_data import (
    contacts_shown,
    deliveries_shown,
    file_shown,
    history_shown,
    staff_deliveries_shown,
)
from services.gateway.routes import API
from services.gateway.schemas import (
    AccountsQuery,
    ActionRequest,
    AnswerRequest,
    ApplicationRequest,
    ApplicationsQuery,
    AssessmentRequest,
    BatchActionRequest,
    CalendarRequest,
    ClockRequest,
    ConfirmationRequest,
    ContactsRequest,
    DeadLettersQuery,
    DepartmentRequest,
    DiscardRequest,
    EnterpriseAccountRequest,
    FollowUpCloseRequest,
    FollowUpsQuery,
    InterestsRequest,
    LedgerFilter,
    LedgerQuery,
    NearMissFilter,
    NearMissQuery,
    NotificationPreferencesRequest,
    PackRequest,
    PageQuery,
    PasswordRequest,
    PlanRequest,
    PolicyPreviewRequest,
    PolicySearchQuery,
    ProblemRequest,
    ProblemResponseRequest,
    QuarantineQuery,
    QuestionRequest,
    QuestionsQuery,
    RatingRequest,
    RatingsQuery,
    RectificationCompleteRequest,
    RectificationProgressRequest,
    RectificationReopenRequest,
    RectificationRequest,
    RectificationsQuery,
    RegistrationRequest,
    ReplayRequest,
    RoundRequest,
    SelfAssessmentRequest,
    SignInRequest,
    StaffRequest,
    SurveyRequest,
    SurveyResponseRequest,
    SystemRequest,
    TagChangeRequest,
    TagCreateRequest,
    TagPreviewRequest,
    TagsQuery,
    TeamEnterprisesRequest,
    TeamRequest,
    VisitRequest,
    WithdrawRequest,
)
from services.gateway.sessions import cleared_cookie, client_address, is_secure, session_cookie, session_of
from services.gateway.spreadsheets import SpreadsheetError, parse_drafts, read_rows
from services.gateway.tokens import Tokens
from services.gateway.web import Reply, endpoint
from services.gateway.workbooks import XLSX, attachment, ledger_workbook, near_misses_workbook, results_workbook
from shared import clock
from shared.config import settings
from shared.contracts.accounts import csrf_token, token_digest
from shared.contracts.bounds import EARLIEST_DATE, LATEST_DATE
from shared.contracts.events import ClockChanged
from shared.contracts.gov import EnterpriseEvent, ProfilesSynced, QuarantineState
from shared.contracts.policies import PolicyDraft, PolicyStatus
from shared.errors import Forbidden, NotFound
from shared.logs import Logger
from shared.probes import Probes
from shared.time_travel import CLOCK_CHANGED, ClockListener

EXPORT_PAGE = 10_000   # near-misses per RPC when a whole list is exported


class GatewayService(ClockListener):
    """Every replica follows time travel (`ClockListener`), whichever of them took the request."""

    name = "gateway"

    tagging = TimedRpcProxy("tagging")
    application = TimedRpcProxy("application")
    policy = TimedRpcProxy("policy")
    notification = TimedRpcProxy("notification")
    accounts = TimedRpcProxy("accounts")
    evaluation = TimedRpcProxy("evaluation")
    counselling = TimedRpcProxy("counselling")
    tokens = Tokens()
    gov_events = GovEventPublisher()
    clock_events = EventDispatcher()
    log = Logger()
    probes = Probes()   # GET /health/live, /health/ready and /metrics on its own port too

    def _policy(self, caller: Caller, action: Action, policy_id: int, uscc: str | None = None) -> dict:
        """The policy, once the caller may act on it: a draft is hidden (404) from those who may not see
        drafts, and a scoped role must own it (403)."""
        policy = self.policy.get(policy_id)
        if policy["status"] == PolicyStatus.draft and not authorize(caller, Action.read_policy_drafts):
            raise NotFound(f"no policy {policy_id}", {"policy_id": policy_id})
        require(caller, action, Resource.of_policy(policy, uscc))
        return policy

    @endpoint("admin_clock")
    def admin_clock(self, request, caller: Caller, body: ClockRequest):
        if not settings().time_travel:
            raise NotFound("time travel is off; the platform must run with HUIQI_TIME_TRAVEL=1")
        real_now = datetime.now(UTC)
        target = body.set if body.set is not None else clock.now() + body.advance
        if not EARLIEST_DATE <= target.astimezone(UTC).date() <= LATEST_DATE:  # advances add up
            raise InvalidRequest(f"the clock would show {target.isoformat()}; it stays between {EARLIEST_DATE} and "
                                 f"{LATEST_DATE}", [{"field": "advance", "message": "moves the clock out of range",
                                                     "in": "body"}])
        offset_s = (target - real_now).total_seconds()
        self.clock_events(CLOCK_CHANGED, ClockChanged(offset_s=offset_s).model_dump())
        clock.set_offset(timedelta(seconds=offset_s))
        services = self._services()
        deadline = time.monotonic() + settings().rpc_timeout_s
        while True:
            report = check_services(services)
            taken = {name: answer.get("clock_offset_s") for name, answer in report.answers.items()}
            if report.ok and all(value == offset_s for value in taken.values()):
                break
            if time.monotonic() > deadline:
                raise ServiceUnavailable(", ".join(sorted(set(services) - {name for name, value in taken.items()
                                                                           if value == offset_s})),
                                         "not every service took the clock change in time")
            eventlet.sleep(0.05)
        self.log.info("clock_changed", offset_s=offset_s, now=clock.now().isoformat(), by=caller.id)
        return {"now": clock.now().isoformat(), "offset_s": offset_s, "services": taken}

    def _services(self) -> dict:
        return {"tagging": self.tagging, "policy": self.policy, "notification": self.notification,
                "application": self.application, "accounts": self.accounts, "evaluation": self.evaluation,
                "counselling": self.counselling}

    @endpoint("health")
    def health(self, request):
        report = check_services(self._services())
        warnings = [answer["calendar"]["warning"] for answer in report.answers.values()
                    if isinstance(answer.get("calendar"), dict) and answer["calendar"].get("warning")]
        return Reply({**report.body(), "gateway": self._own_clock(), "warnings": warnings},
                     200 if report.ok else 503)

    @endpoint("health_ready")
    def health_ready(self, request):
        # this replica alone (shared.probes): a service down must not take every gateway out of
        # the load balancer; GET /health says which services answer
        body, status = self.probes.readiness()
        return Reply({**body, "gateway": self._own_clock()}, status)

    @endpoint("health_live")
    def health_live(self, request):
        return {"status": "alive", "gateway": self._own_clock()}

    @staticmethod
    def _own_clock() -> dict:
        # this replica's own clock: behind a load balancer, which one answered shows here
        return {"now": clock.now().isoformat(), "clock_offset_s": clock.offset().total_seconds()}

    # --- the working-day calendar (contract section 13) -------------------------------------------
    @endpoint("calendar_year")
    def calendar_year(self, request, caller: Caller, year: int):
        return self.application.calendar_year(year)

    @endpoint("load_calendar")
    def load_calendar(self, request, caller: Caller, year: int, body: CalendarRequest):
        loaded = self.application.load_calendar(
            year, body.notice, [[first.isoformat(), last.isoformat(), name] for first, last, name in body.holidays],
            [day.isoformat() for day in body.workdays], caller.actor())
        self.log.info("calendar_loaded", year=year, notice=body.notice, by=caller.id)
        return loaded

    @endpoint("openapi")
    def openapi(self, request):
        return openapi_document()

    @endpoint("publish_event")
    def publish_event(self, request, caller: Caller, routing_key: str, body: EnterpriseEvent | ProfilesSynced):
        # Forward what was sent, byte for byte: the tagging service validates it again and keeps it
        # verbatim if a bulk item is rejected.
        self.gov_events.publish(routing_key, request.get_data().decode("utf-8-sig"), body.event_id)
        self.log.info("event_accepted", event_id=body.event_id, routing_key=routing_key, source=body.source)
        return Reply({"event_id": body.event_id}, 202)

    # --- accounts (contract section 5) ----------------------------------------------------------
    @endpoint("whoami")
    def whoami(self, request, caller: Caller):
        session = session_of(request.headers.get("Cookie")) if caller.kind == "session" else None
        shown = {**caller.actor(), "name": caller.name, "phone": caller.phone, "email": caller.email,
                 "kind": caller.kind,
                 "csrf_token": None if session is None else csrf_token(session),
                 "expires_at": None if caller.expires_at is None else caller.expires_at.isoformat()}
        return {key: value for key, value in shown.items() if value is not None}

    @endpoint("create_staff")
    def create_staff(self, request, caller: Caller, body: StaffRequest):
        if body.department is not None:
            self.policy.department(body.department)   # the register's owner refuses an unknown code (422)
        if body.team_id is not None:
            self.counselling.check_team(body.team_id)  # the counselling service refuses an unknown team (422)
        return Reply(self.accounts.create("staff", body.name, caller.actor(), role=body.role,
                                          department=body.department, county=body.county, login=body.login,
                                          password=body.password, team_id=body.team_id, phone=body.phone,
                                          email=body.email), 201)

    # --- people signing in (contract section 12) ------------------------------------------------
    @staticmethod
    def _address(request) -> str | None:
        return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                              settings().trusted_proxies)

    @staticmethod
    def _secure() -> bool:
        return is_secure(settings().public_base_url())

    @endpoint("sign_in")
    def sign_in(self, request, body: SignInRequest):
        signed = self.accounts.sign_in(body.login, body.password, self._address(request))
        answer = {"account": signed["account"], "csrf_token": signed["csrf_token"], "expires_at": signed["expires_at"]}
        return Reply(answer, 201, {"Set-Cookie": session_cookie(signed["session"], secure=self._secure()),
                                   "Cache-Control": "no-store"})

    @endpoint("sign_out")
    def sign_out(self, request, caller: Caller):
        session = session_of(request.headers.get("Cookie"))
        if caller.kind == "session" and session is not None:
            with self.tokens.dropped_everywhere(caller.id):
                self.accounts.sign_out(token_digest(session))
        return Response(status=204, headers={"Set-Cookie": cleared_cookie(secure=self._secure())})

    @endpoint("change_password")
    def change_password(self, request, caller: Caller, body: PasswordRequest):
        session = session_of(request.headers.get("Cookie")) if caller.kind == "session" else None
        with self.tokens.dropped_everywhere(caller.id):
            return self.accounts.set_password(caller.actor(), body.old_password, body.new_password,
                                              None if session is None else token_digest(session))

    @endpoint("start_registration")
    def start_registration(self, request, body: RegistrationRequest):
        return Reply(self.accounts.start_registration(body.uscc, self._address(request)), 202)

    @endpoint("confirm_registration")
    def confirm_registration(self, request, registration_id: str, body: ConfirmationRequest):
        return Reply(self.accounts.confirm_registration(registration_id, body.code, body.password,
                                                        self._address(request)), 201)

    @endpoint("departments")
    def departments(self, request, caller: Caller):
        return self.policy.departments_listed()

    @endpoint("put_department")
    def put_department(self, request, caller: Caller, code: str, body: DepartmentRequest):
        change = self.policy.put_department(code, body.name, caller.actor())
        return Reply(change, 201 if change["added"] else 200)

    @endpoint("create_enterprise_account")
    def create_enterprise_account(self, request, caller: Caller, uscc: str, body: EnterpriseAccountRequest):
        enterprise = self.tagging.enterprise(uscc)  # 404 when the enterprise has no file
        return Reply(self.accounts.create("enterprise", body.name or enterprise.get("name") or uscc, caller.actor(),
                                          uscc=uscc), 201)

    @endpoint("create_system")
    def create_system(self, request, caller: Caller, body: SystemRequest):
        return Reply(self.accounts.create("system", body.name or body.source, caller.actor(), source=body.source), 201)

    @endpoint("list_accounts")
    def list_accounts(self, request, caller: Caller, query: AccountsQuery):
        return self.accounts.list_accounts(query.kind, query.limit, query.offset)

    @endpoint("disable_account")
    def disable_account(self, request, caller: Caller, account_id: str):
        with self.tokens.dropped_everywhere(account_id):
            return self.accounts.disable(account_id, caller.actor())

    @endpoint("set_staff_contacts")
    def set_staff_contacts(self, request, caller: Caller, account_id: str, body: ContactsRequest):
        # GET /api/v1/me answers from the cached account: every replica forgets it first
        with self.tokens.dropped_everywhere(account_id):
            return self.accounts.set_contacts(account_id, body.model_dump(exclude_unset=True), caller.actor())

    @endpoint("staff_deliveries")
    def staff_deliveries(self, request, caller: Caller, account_id: str, query: PageQuery):
        page = staff_deliveries_shown(caller, account_id,
                                      self.notification.staff_deliveries(account_id, query.limit, query.offset))
        return Reply(page["items"], headers={"X-Total-Count": str(page["total"])})

    # --- enterprises ----------------------------------------------------------------------------
    @endpoint("get_enterprise")
    def get_enterprise(self, request, caller: Caller, uscc: str):
        return file_shown(caller, self.tagging.enterprise(uscc))

    @endpoint("enterprise_history")
    def enterprise_history(self, request, caller: Caller, uscc: str, query: PageQuery):
        return history_shown(caller, uscc, self.tagging.history(uscc, query.limit, query.offset))

    @endpoint("declare_interests")
    def declare_interests(self, request, caller: Caller, uscc: str, body: InterestsRequest):
        return self.tagging.declare_interests(uscc, list(body.interests), caller.actor())

    @endpoint("enterprise_policies")
    def enterprise_policies(self, request, caller: Caller, uscc: str):
        return self.policy.enterprise_policies(uscc)

    @endpoint("enterprise_near_misses")
    def enterprise_near_misses(self, request, caller: Caller, uscc: str, query: PageQuery):
        return self.policy.enterprise_near_misses(uscc, query.offset, query.limit)

    @endpoint("enterprise_notifications")
    def enterprise_notifications(self, request, caller: Caller, uscc: str, query: PageQuery):
        page = self.notification.inbox(uscc, query.limit, query.offset)
        return Reply(page["items"], headers={"X-Total-Count": str(page["total"]),
                                             "X-Unread-Count": str(page["unread"])})

    @endpoint("mark_notification_read")
    def mark_notification_read(self, request, caller: Caller, uscc: str, notification_id: int):
        return self.notification.mark_read(uscc, notification_id)

    @endpoint("notification_preferences")
    def notification_preferences(self, request, caller: Caller, uscc: str):
        return self.notification.preferences(uscc)

    @endpoint("set_notification_preferences")
    def set_notification_preferences(self, request, caller: Caller, uscc: str, body: NotificationPreferencesRequest):
        return self.notification.set_preferences(uscc, body.model_dump(exclude_none=True))

    @endpoint("contacts")
    def contacts(self, request, caller: Caller, uscc: str):
        return contacts_shown(caller, self.notification.contacts(uscc))

    @endpoint("set_contacts")
    def set_contacts(self, request, caller: Caller, uscc: str, body: ContactsRequest):
        return contacts_shown(caller, self.notification.set_contacts(uscc, body.model_dump(exclude_unset=True)))

    @endpoint("enterprise_deliveries")
    def enterprise_deliveries(self, request, caller: Caller, uscc: str, query: PageQuery):
        page = deliveries_shown(caller, uscc, self.notification.deliveries(uscc, query.limit, query.offset))
        return Reply(page["items"], headers={"X-Total-Count": str(page["total"])})

    @endpoint("tags")
    def tags(self, request, caller: Caller, query: TagsQuery):
        return self.tagging.tags(query.include_retired)

    @endpoint("preview_tag")
    def preview_tag(self, request, caller: Caller, body: TagPreviewRequest):
        return self.tagging.preview_tag(body.rule, body.code, body.sample)

    @endpoint("create_tag")
    def create_tag(self, request, caller: Caller, body: TagCreateRequest):
        change = self.tagging.create_tag(body.model_dump(), caller.actor())
        return Reply(change, 202, {"Location": f"{API}/jobs/{change['job_id']}"})

    @endpoint("change_tag")
    def change_tag(self, request, caller: Caller, code: str, body: TagChangeRequest):
        change = self.tagging.change_tag(code, body.model_dump(mode="json", exclude_none=True,
                                                                exclude={"updated_at"}), caller.actor())
        return Reply(change, 202, {"Location": f"{API}/jobs/{change['job_id']}"})

    @endpoint("retire_tag")
    def retire_tag(self, request, caller: Caller, code: str):
        change = self.tagging.retire_tag(code, caller.actor())
        return Reply(change, 202, {"Location": f"{API}/jobs/{change['job_id']}"})

    @endpoint("jobs")
    def jobs(self, request, caller: Caller, query: PageQuery):
        return self.tagging.jobs(query.limit, query.offset)

    @endpoint("get_job")
    def get_job(self, request, caller: Caller, job_id: int):
        return self.tagging.job(job_id)

    @endpoint("create_policy")
    def create_policy(self, request, caller: Caller, body: PolicyDraft):
        policy = self.policy.create_draft(body.model_dump(mode="json"), caller.actor())
        return Reply(policy, 201, {"Location": f"{API}/policies/{policy['id']}"})

    @endpoint("preview_policy")
    def preview_policy(self, request, caller: Caller, body: PolicyPreviewRequest):
        return self.policy.preview(body.eligibility, body.sample)

    @endpoint("revise_policy")
    def revise_policy(self, request, caller: Caller, policy_id: int, body: PolicyDraft):
        self._policy(caller, Action.revise_policy, policy_id)  # the new body's owner was checked with the request
        return self.policy.revise(policy_id, body.model_dump(mode="json"), caller.actor())

    @endpoint("publish_policy")
    def publish_policy(self, request, caller: Caller, policy_id: int):
        self._policy(caller, Action.publish_policy, policy_id)
        return self.policy.publish(policy_id, caller.actor())

    @endpoint("withdraw_policy")
    def withdraw_policy(self, request, caller: Caller, policy_id: int, body: WithdrawRequest):
        self._policy(caller, Action.withdraw_policy, policy_id)
        return self.policy.withdraw(policy_id, body.reason, caller.actor())

    @endpoint("policy_versions")
    def policy_versions(self, request, caller: Caller, policy_id: int):
        self._policy(caller, Action.read_policy_drafts, policy_id)
        return self.policy.versions(policy_id)

    @endpoint("explain_policy")
    def explain_policy(self, request, caller: Caller, policy_id: int, uscc: str):
        self._policy(caller, Action.explain_policy, policy_id, uscc)
        return self.policy.explain(policy_id, uscc)

    @endpoint("near_misses")
    def near_misses(self, request, caller: Caller, policy_id: int, query: NearMissQuery):
        self._policy(caller, Action.read_near_misses, policy_id, query.uscc)
        return self.policy.near_misses(policy_id, query.offset, query.limit, **query.filters())

    @endpoint("near_misses_xlsx")
    def near_misses_xlsx(self, request, caller: Caller, policy_id: int, query: NearMissFilter):
        policy = self._policy(caller, Action.read_near_misses, policy_id, query.uscc)
        # pages, so that no one RPC answer outgrows its timeout however many enterprises there are
        page = self.policy.near_misses(policy_id, 0, EXPORT_PAGE, **query.filters())
        items = list(page["items"])
        while len(page["items"]) == EXPORT_PAGE:
            page = self.policy.near_misses(policy_id, len(items), EXPORT_PAGE, **query.filters())
            items += page["items"]
        content = near_misses_workbook(policy, page["conditions"], items)
        return Response(content, content_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="policy-{policy_id}-near-misses.xlsx"'})

    @endpoint("import_policies")
    def import_policies(self, request, caller: Caller):
        upload = request.files.get("file")
        if upload is None:
            raise InvalidRequest("send the spreadsheet as the multipart field `file`",
                                 [{"field": "file", "message": "missing", "in": "body"}])
        try:
            rows = read_rows(upload.filename or "", upload.read())
        except SpreadsheetError as error:
            raise InvalidRequest(f"the spreadsheet cannot be imported: {error}",
                                 [{"field": "file", "message": str(error), "in": "body"}]) from None
        drafts, errors = parse_drafts(rows)
        allowed = []
        for row_number, draft in drafts:
            decision = authorize(caller, Action.import_policies, Resource(
                department=draft.department, county=draft.county, level=draft.level))
            if decision:
                allowed.append([row_number, draft.model_dump(mode="json")])
            else:
                errors.append({"row": row_number, "reason": decision.reason})
        result = (self.policy.import_drafts(allowed, caller.actor()) if allowed
                  else {"imported": 0, "ids": [], "errors": []})
        result["errors"] = sorted(errors + result["errors"], key=lambda error: error["row"])
        self.log.info("policies_imported", file=upload.filename, rows=len(rows), imported=result["imported"],
                      refused=len(result["errors"]), by=caller.id)
        return result

    # --- questions (政策咨询) ----------------------------------------------------------------------
    @endpoint("ask_question")
    def ask_question(self, request, caller: Caller, policy_id: int, body: QuestionRequest):
        uscc = caller.uscc if caller.role is Role.enterprise else body.uscc
        if uscc is None:
            raise InvalidRequest("say which enterprise asks: `uscc`", [{"field": "uscc", "message": "missing",
                                                                       "in": "body"}])
        self._policy(caller, Action.ask_question, policy_id, uscc)
        return Reply(self.policy.ask_question(policy_id, uscc, body.text, caller.actor()), 201)

    @endpoint("policy_questions")
    def policy_questions(self, request, caller: Caller, policy_id: int, query: QuestionsQuery):
        self._policy(caller, Action.read_questions, policy_id)
        return self.policy.questions(policy_id=policy_id, uscc=caller.uscc, overdue=query.overdue,
                                     answered=query.answered, limit=query.limit, offset=query.offset)

    @endpoint("questions")
    def questions(self, request, caller: Caller, query: QuestionsQuery):
        # each scoped role sees its own: a department's, a county's, an enterprise's questions
        return self.policy.questions(uscc=caller.uscc, department=caller.department, county=caller.county,
                                     overdue=query.overdue, answered=query.answered, limit=query.limit,
                                     offset=query.offset)

    @endpoint("answer_question")
    def answer_question(self, request, caller: Caller, question_id: int, body: AnswerRequest):
        question = self.policy.question(question_id)
        require(caller, Action.answer_question, Resource.of_policy(question))
        return self.policy.answer_question(question_id, body.text, caller.actor())

    # --- gift packs (大礼包) ---------------------------------------------------------------------
    @staticmethod
    def _with_url(pack: dict) -> dict:
        return {**pack, "url": pack_url(settings().public_base_url(), pack["code"])}

    @endpoint("create_pack")
    def create_pack(self, request, caller: Caller, body: PackRequest):
        pack = self._with_url(self.policy.create_pack(body.title, body.description, list(body.policy_ids),
                                                      caller.actor()))
        return Reply(pack, 201, {"Location": f"{API}/packs/{pack['id']}"})

    @endpoint("list_packs")
    def list_packs(self, request, caller: Caller, query: PageQuery):
        page = self.policy.packs(query.limit, query.offset)
        return {**page, "items": [self._with_url(pack) for pack in page["items"]]}

    @endpoint("get_pack")
    def get_pack(self, request, caller: Caller, pack_id: int):
        return self._with_url(self.policy.pack(pack_id))

    @endpoint("pack_qr_png")
    def pack_qr_png(self, request, caller: Caller, pack_id: int):
        pack = self._with_url(self.policy.pack(pack_id))
        return Response(qr_png(pack["url"]), content_type="image/png",
                        headers={"Content-Disposition": f'inline; filename="pack-{pack["code"]}.png"'})

    @endpoint("pack_qr_svg")
    def pack_qr_svg(self, request, caller: Caller, pack_id: int):
        pack = self._with_url(self.policy.pack(pack_id))
        return Response(qr_svg(pack["url"], title=pack["title"]), content_type="image/svg+xml",
                        headers={"Content-Disposition": f'inline; filename="pack-{pack["code"]}.svg"'})

    @endpoint("public_pack")
    def public_pack(self, request, code: str):
        wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
        if not wants_json and portal.is_built() and portal.is_page_request(request):
            # the portal's page renders the pack from the JSON it fetches, and that fetch is the scan
            response = portal.answer(request, "/")
        else:
            pack = self.policy.visit_pack(code)
            if wants_json:
                return Reply(pack, headers={"Vary": "Accept"})
            response = Response(render_page(pack), content_type="text/html; charset=utf-8")
        # one address, answered as a page or as JSON: a cache must keep them apart
        response.headers["Vary"] = ", ".join(filter(None, ("Accept", response.headers.get("Vary"))))
        return response

    @endpoint("search_policies")
    def search_policies(self, request, caller: Caller, query: PolicySearchQuery):
        hide_drafts = not authorize(caller, Action.read_policy_drafts)
        if hide_drafts and query.status == PolicyStatus.draft:
            require(caller, Action.read_policy_drafts)
        return self.policy.search(query.filters(), hide_drafts, query.limit, query.offset)

    @endpoint("get_policy")
    def get_policy(self, request, caller: Caller, policy_id: int):
        return self._policy(caller, Action.read_policy, policy_id)

    # --- applications (contract section 7) --------------------------------------------------------
    @endpoint("submit_application")
    def submit_application(self, request, caller: Caller, body: ApplicationRequest):
        application = self.application.submit(body.policy_id, body.uscc, [item.model_dump() for item in body.materials],
                                              body.note, caller.actor())
        # contract section 7: the answer to a submission says `submitted`; `stage` is where it now waits
        return Reply({**application, "status": "submitted"}, 201,
                     {"Location": f"{API}/applications/{application['id']}"})

    @endpoint("get_application")
    def get_application(self, request, caller: Caller, application_id: int):
        return self.application.get(application_id, caller.actor())

    @endpoint("list_applications")
    def list_applications(self, request, caller: Caller, query: ApplicationsQuery):
        return self.application.list(caller.actor(), query.status, query.overdue, query.policy_id, query.limit,
                                     query.offset, uscc=query.uscc)

    @endpoint("act_on_application")
    def act_on_application(self, request, caller: Caller, application_id: int, body: ActionRequest):
        if body.action != "object":   # anyone may object during public notice
            if not authorize(caller, Action.read_applications):
                raise Forbidden(f"the role {caller.role.value} may only object to an application in public notice",
                                {"role": caller.role.value, "action": body.action})
            if caller.role is Role.enterprise:   # another enterprise's application: 403 before anything else
                self.application.get(application_id, caller.actor())
        materials = None if body.materials is None else [item.model_dump() for item in body.materials]
        return self.application.act(application_id, body.action, caller.actor(), body.comment, body.amount,
                                    materials)

    @endpoint("act_on_applications")
    def act_on_applications(self, request, caller: Caller, body: BatchActionRequest):
        return self.application.act_many(body.ids, body.action, caller.actor(), body.comment)

    @endpoint("application_statistics")
    def application_statistics(self, request, caller: Caller):
        return self.application.statistics(caller.actor())

    @endpoint("alarms")
    def alarms(self, request, caller: Caller, query: PageQuery):
        actor = caller.actor()
        if caller.role == Role.counsellor:     # a counsellor's alarms are its team's problems' only
            page = self.counselling.alarms(actor, query.limit, query.offset)
            return {**page, "limit": query.limit, "offset": query.offset, "warnings": []}
        if caller.role == Role.city_admin:
            return with_counselling(self.application, self.evaluation, self.counselling, actor, query.limit,
                                    query.offset, self.log)
        if caller.role not in EVALUATION_ALARM_ROLES:
            page = self.application.alarms(actor, query.limit, query.offset)
            return {**page, "limit": query.limit, "offset": query.offset, "warnings": []}
        return merged_alarms(self.application, self.evaluation, actor, query.limit, query.offset, self.log)

    # --- ratings and the three evaluations (三评, contract section 9) -----------------------------
    @endpoint("rate")
    def rate(self, request, caller: Caller, body: RatingRequest):
        rating = self.evaluation.rate(caller.actor(), subject=body.subject, policy_id=body.policy_id,
                                      application_id=body.application_id, stars=body.stars, comment=body.comment)
        return Reply(rating, 201)

    @endpoint("list_ratings")
    def list_ratings(self, request, caller: Caller, query: RatingsQuery):
        return self.evaluation.ratings(caller.actor(), department=query.department, policy_id=query.policy_id,
                                       stars=query.stars, limit=query.limit, offset=query.offset)

    @endpoint("list_follow_ups")
    def list_follow_ups(self, request, caller: Caller, query: FollowUpsQuery):
        return self.evaluation.follow_ups(caller.actor(), status=query.status, limit=query.limit, offset=query.offset)

    @endpoint("close_follow_up")
    def close_follow_up(self, request, caller: Caller, follow_up_id: int, body: FollowUpCloseRequest):
        return self.evaluation.close_follow_up(caller.actor(), follow_up_id, body.outcome)

    @endpoint("open_evaluation")
    def open_evaluation(self, request, caller: Caller, body: RoundRequest):
        opened = self.evaluation.open_round(caller.actor(), body.name, body.period_start.isoformat(),
                                            body.period_end.isoformat(), body.weights.model_dump(),
                                            body.source_weights.model_dump())
        return Reply(opened, 201, {"Location": f"{API}/evaluations/{opened['id']}"})

    @endpoint("list_evaluations")
    def list_evaluations(self, request, caller: Caller, query: PageQuery):
        return self.evaluation.rounds(caller.actor(), limit=query.limit, offset=query.offset)

    @endpoint("get_evaluation")
    def get_evaluation(self, request, caller: Caller, evaluation_id: int):
        return self.evaluation.round(caller.actor(), evaluation_id)

    @endpoint("self_assess")
    def self_assess(self, request, caller: Caller, evaluation_id: int, body: SelfAssessmentRequest):
        return Reply(self.evaluation.file_self_assessment(caller.actor(), evaluation_id, body.unit,
                                                          body.scores.model_dump(exclude_none=True), body.evidence),
                     201)

    @endpoint("assess")
    def assess(self, request, caller: Caller, evaluation_id: int, body: AssessmentRequest):
        return Reply(self.evaluation.file_assessment(caller.actor(), evaluation_id, body.kind(), body.unit,
                                                     body.scores.model_dump(exclude_none=True), body.evidence), 201)

    @endpoint("set_survey")
    def set_survey(self, request, caller: Caller, evaluation_id: int, body: SurveyRequest):
        return self.evaluation.set_survey(caller.actor(), evaluation_id,
                                          [question.model_dump() for question in body.questions])

    @endpoint("survey")
    def survey(self, request, caller: Caller, evaluation_id: int):
        return self.evaluation.survey(caller.actor(), evaluation_id)

    @endpoint("answer_survey")
    def answer_survey(self, request, caller: Caller, evaluation_id: int, body: SurveyResponseRequest):
        return Reply(self.evaluation.answer_survey(caller.actor(), evaluation_id, list(body.answers)), 201)

    @endpoint("close_evaluation")
    def close_evaluation(self, request, caller: Caller, evaluation_id: int):
        return self.evaluation.close_round(caller.actor(), evaluation_id)

    @endpoint("evaluation_results")
    def evaluation_results(self, request, caller: Caller, evaluation_id: int):
        return self.evaluation.results(caller.actor(), evaluation_id)

    @endpoint("evaluation_results_xlsx")
    def evaluation_results_xlsx(self, request, caller: Caller, evaluation_id: int):
        content = results_workbook(self.evaluation.results(caller.actor(), evaluation_id))
        return Response(content, content_type=XLSX, headers={
            "Content-Disposition": attachment(f"评价结果-{evaluation_id}.xlsx",
                                              f"evaluation-{evaluation_id}-results.xlsx")})

    @endpoint("issue_rectification")
    def issue_rectification(self, request, caller: Caller, body: RectificationRequest):
        issued = self.evaluation.issue_rectification(caller.actor(), body.evaluation_id, body.kind(), body.unit,
                                                     body.problem, body.due_on.isoformat())
        return Reply(issued, 201, {"Location": f"{API}/rectifications/{issued['id']}"})

    @endpoint("list_rectifications")
    def list_rectifications(self, request, caller: Caller, query: RectificationsQuery):
        return self.evaluation.rectifications(caller.actor(), evaluation_id=query.evaluation_id, unit=query.unit,
                                              status=query.status, limit=query.limit, offset=query.offset)

    @endpoint("get_rectification")
    def get_rectification(self, request, caller: Caller, rectification_id: int):
        return self.evaluation.rectification(caller.actor(), rectification_id)

    @endpoint("report_rectification")
    def report_rectification(self, request, caller: Caller, rectification_id: int,
                             body: RectificationProgressRequest):
        return self.evaluation.report_rectification(caller.actor(), rectification_id, body.text)

    @endpoint("complete_rectification")
    def complete_rectification(self, request, caller: Caller, rectification_id: int,
                               body: RectificationCompleteRequest):
        return self.evaluation.complete_rectification(caller.actor(), rectification_id, body.evidence)

    @endpoint("verify_rectification")
    def verify_rectification(self, request, caller: Caller, rectification_id: int):
        return self.evaluation.verify_rectification(caller.actor(), rectification_id)

    @endpoint("reopen_rectification")
    def reopen_rectification(self, request, caller: Caller, rectification_id: int, body: RectificationReopenRequest):
        return self.evaluation.reopen_rectification(caller.actor(), rectification_id, body.reason)

    # --- financial counsellors (金融辅导员, contract section 10) --------------------------------------
    @endpoint("create_team")
    def create_team(self, request, caller: Caller, body: TeamRequest):
        team = self.counselling.create_team(caller.actor(), body.name, body.level, body.county)
        return Reply(team, 201, {"Location": f"{API}/counsellor-teams/{team['id']}"})

    @endpoint("list_teams")
    def list_teams(self, request, caller: Caller):
        return self.counselling.teams(caller.actor())

    @endpoint("get_team")
    def get_team(self, request, caller: Caller, team_id: int):
        return self.counselling.team(caller.actor(), team_id)

    @endpoint("assign_team_enterprises")
    def assign_team_enterprises(self, request, caller: Caller, team_id: int, body: TeamEnterprisesRequest):
        return self.counselling.assign_enterprises(caller.actor(), team_id, list(body.usccs))

    @endpoint("add_visit")
    def add_visit(self, request, caller: Caller, uscc: str, body: VisitRequest):
        return Reply(self.counselling.add_visit(caller.actor(), uscc, body.visited_on.isoformat(), body.notes,
                                                body.financing_need), 201)

    @endpoint("list_visits")
    def list_visits(self, request, caller: Caller, uscc: str, query: PageQuery):
        return self.counselling.visits(caller.actor(), uscc, query.limit, query.offset)

    @endpoint("put_financing_plan")
    def put_financing_plan(self, request, caller: Caller, uscc: str, body: PlanRequest):
        return self.counselling.put_plan(caller.actor(), uscc, body.needs, body.measures, body.amount_coordinated)

    @endpoint("get_financing_plan")
    def get_financing_plan(self, request, caller: Caller, uscc: str):
        return self.counselling.plan(caller.actor(), uscc)

    @endpoint("raise_problem")
    def raise_problem(self, request, caller: Caller, uscc: str, body: ProblemRequest):
        problem = self.counselling.raise_problem(caller.actor(), uscc, body.text)
        return Reply(problem, 201, {"Location": f"{API}/problems/{problem['id']}"})

    @endpoint("get_problem")
    def get_problem(self, request, caller: Caller, problem_id: int):
        return self.counselling.problem(caller.actor(), problem_id)

    @endpoint("respond_to_problem")
    def respond_to_problem(self, request, caller: Caller, problem_id: int, body: ProblemResponseRequest):
        return self.counselling.respond(caller.actor(), problem_id, body.text, body.status)

    @endpoint("counselling_ledger")
    def counselling_ledger(self, request, caller: Caller, query: LedgerQuery):
        return self.counselling.ledger(caller.actor(), query.team_id, query.status, query.limit, query.offset)

    @endpoint("counselling_ledger_xlsx")
    def counselling_ledger_xlsx(self, request, caller: Caller, query: LedgerFilter):
        content = ledger_workbook(self.counselling.ledger(caller.actor(), query.team_id, query.status, None, 0))
        return Response(content, content_type=XLSX, headers={
            "Content-Disposition": attachment("工作台账.xlsx", "counselling-ledger.xlsx")})

    @endpoint("counselling_alarms")
    def counselling_alarms(self, request, caller: Caller, query: PageQuery):
        return self.counselling.alarms(caller.actor(), query.limit, query.offset)

    @endpoint("counselling_statistics")
    def counselling_statistics(self, request, caller: Caller):
        return self.counselling.statistics(caller.actor())

    @endpoint("quarantine")
    def quarantine(self, request, caller: Caller, query: QuarantineQuery):
        if query.state == QuarantineState.waiting:  # the service's default
            return self.tagging.quarantine(query.limit, query.offset)
        return self.tagging.quarantine(query.limit, query.offset, state=None if query.state == "all" else query.state)

    @endpoint("replay_quarantined")
    def replay_quarantined(self, request, caller: Caller, quarantine_id: int, body: ReplayRequest):
        return self.tagging.replay_quarantined(quarantine_id, body.body, caller.actor())

    @endpoint("discard_quarantined")
    def discard_quarantined(self, request, caller: Caller, quarantine_id: int, body: DiscardRequest):
        return self.tagging.discard_quarantined(quarantine_id, body.reason, caller.actor())

    @endpoint("dead_letters")
    def dead_letters(self, request, caller: Caller, query: DeadLettersQuery):
        service = self._services()[query.service]
        return service.dead_letters(include_replayed=query.include_replayed, limit=query.limit)
