"""Gateway service: the HTTP routes of contract section 4, nothing else.

Each route is declared in `routes.py`; by the time a method here runs, the caller is known and
allowed, and its path, query and body are valid. Run with
`nameko run --config deploy/nameko.yaml services.gateway.service:GatewayService`.
"""
from __future__ import annotations

from services.gateway.accounts import Accounts
from services.gateway.auth import Action, Caller, Resource, Role, authorize, require
from services.gateway.dependencies import GovEventPublisher, TimedRpcProxy
from services.gateway.health import check_services
from services.gateway.openapi import document as openapi_document
from services.gateway.routes import API
from services.gateway.schemas import (
    AccountsQuery,
    DeadLettersQuery,
    DiscardRequest,
    EnterpriseAccountRequest,
    InterestsRequest,
    NearMissQuery,
    PageQuery,
    PolicySearchQuery,
    QuarantineQuery,
    ReplayRequest,
    StaffRequest,
    WithdrawRequest,
)
from services.gateway.web import Reply, endpoint
from shared.contracts.gov import EnterpriseEvent, ProfilesSynced
from shared.contracts.policies import PolicyDraft
from shared.errors import NotFound
from shared.logs import Logger


class GatewayService:
    name = "gateway"

    tagging = TimedRpcProxy("tagging")
    policy = TimedRpcProxy("policy")
    notification = TimedRpcProxy("notification")
    gov_events = GovEventPublisher()
    accounts = Accounts()
    log = Logger()

    def _policy(self, caller: Caller, action: Action, policy_id: int, uscc: str | None = None) -> dict:
        """The policy, once the caller may act on it: a draft is hidden (404) from those who may not see
        drafts, and a scoped role must own it (403)."""
        policy = self.policy.get(policy_id)
        if policy["status"] == "draft" and not authorize(caller, Action.read_policy_drafts):
            raise NotFound(f"no policy {policy_id}", {"policy_id": policy_id})
        require(caller, action, Resource.of_policy(policy, uscc))
        return policy

    @endpoint("health")
    def health(self, request):
        report = check_services({"tagging": self.tagging, "policy": self.policy, "notification": self.notification})
        return Reply(report.body(), 200 if report.ok else 503)

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
        return {key: value for key, value in {**caller.actor(), "name": caller.name}.items() if value is not None}

    @endpoint("create_staff")
    def create_staff(self, request, caller: Caller, body: StaffRequest):
        account = self.accounts.create(kind="staff", name=body.name, role=Role(body.role), created_by=caller.id,
                                       department=body.department, county=body.county)
        self.log.info("account_created", account_id=account["id"], role=body.role, by=caller.id)
        return Reply(account, 201)

    @endpoint("create_enterprise_account")
    def create_enterprise_account(self, request, caller: Caller, uscc: str, body: EnterpriseAccountRequest):
        enterprise = self.tagging.enterprise(uscc)  # 404 when the enterprise has no file
        account = self.accounts.create(kind="enterprise", name=body.name or enterprise.get("name") or uscc,
                                       role=Role.enterprise, created_by=caller.id, uscc=uscc)
        self.log.info("account_created", account_id=account["id"], role="enterprise", uscc=uscc, by=caller.id)
        return Reply(account, 201)

    @endpoint("list_accounts")
    def list_accounts(self, request, caller: Caller, query: AccountsQuery):
        return self.accounts.list(kind=query.kind, limit=query.limit, offset=query.offset)

    @endpoint("disable_account")
    def disable_account(self, request, caller: Caller, account_id: str):
        account = self.accounts.disable(account_id, caller.id)
        self.log.info("account_disabled", account_id=account_id, by=caller.id)
        return account

    # --- enterprises ----------------------------------------------------------------------------
    @endpoint("get_enterprise")
    def get_enterprise(self, request, caller: Caller, uscc: str):
        return self.tagging.enterprise(uscc)

    @endpoint("enterprise_history")
    def enterprise_history(self, request, caller: Caller, uscc: str, query: PageQuery):
        return self.tagging.history(uscc, query.limit, query.offset)

    @endpoint("declare_interests")
    def declare_interests(self, request, caller: Caller, uscc: str, body: InterestsRequest):
        return self.tagging.declare_interests(uscc, list(body.interests), caller.actor())

    @endpoint("enterprise_policies")
    def enterprise_policies(self, request, caller: Caller, uscc: str):
        return self.policy.enterprise_policies(uscc)

    @endpoint("enterprise_notifications")
    def enterprise_notifications(self, request, caller: Caller, uscc: str, query: PageQuery):
        page = self.notification.inbox(uscc, query.limit, query.offset)
        return Reply(page["items"], headers={"X-Total-Count": str(page["total"]),
                                             "X-Unread-Count": str(page["unread"])})

    @endpoint("mark_notification_read")
    def mark_notification_read(self, request, caller: Caller, uscc: str, notification_id: int):
        return self.notification.mark_read(uscc, notification_id)

    @endpoint("tags")
    def tags(self, request, caller: Caller):
        return self.tagging.tags()

    @endpoint("create_policy")
    def create_policy(self, request, caller: Caller, body: PolicyDraft):
        policy = self.policy.create_draft(body.model_dump(mode="json"), caller.actor())
        return Reply(policy, 201, {"Location": f"{API}/policies/{policy['id']}"})

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
        self._policy(caller, Action.read_near_misses, policy_id)
        return self.policy.near_misses(policy_id, query.sample)

    @endpoint("search_policies")
    def search_policies(self, request, caller: Caller, query: PolicySearchQuery):
        return self.policy.search(query.q, query.department, query.tag, query.status, query.limit, query.offset)

    @endpoint("get_policy")
    def get_policy(self, request, caller: Caller, policy_id: int):
        return self._policy(caller, Action.read_policy, policy_id)

    @endpoint("quarantine")
    def quarantine(self, request, caller: Caller, query: QuarantineQuery):
        if query.state == "waiting":  # the service's default
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
        service = {"tagging": self.tagging, "policy": self.policy, "notification": self.notification}[query.service]
        return service.dead_letters(include_replayed=query.include_replayed, limit=query.limit)
