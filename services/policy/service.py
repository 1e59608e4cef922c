"""Policy service: entrypoints only. Lifecycle in `catalogue`, matching in `matching`."""
from __future__ import annotations

from nameko.rpc import RpcProxy, rpc
from pydantic import ValidationError
from sqlalchemy import select

from services.policy import catalogue, read_model
from services.policy.dependencies import KnownTagsProvider, MatcherProvider
from services.policy.models import matches, metadata, policies
from services.policy.subsidy import estimate
from shared import clock, eligibility
from shared.consumer import Delivery, handles
from shared.contracts.events import EnterprisesTagged, PolicyPublished
from shared.contracts.policies import PolicyDraft
from shared.errors import EXPECTED, Invalid, NotFound
from shared.logs import Logger
from shared.operations import Operations
from shared.store import Store


class PolicyService(Operations):
    name = "policy"

    store = Store(metadata)
    log = Logger()
    matcher = MatcherProvider()
    known_tags = KnownTagsProvider()
    tagging = RpcProxy("tagging")

    # --- the bus --------------------------------------------------------------------------------
    @handles("policy.enterprise_tagged")
    def on_enterprise_tagged(self, deliveries: list[Delivery]) -> None:
        events = [EnterprisesTagged.model_validate(delivery.body) for delivery in deliveries]
        with self.matcher.lock, self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            changes = self.matcher.match_enterprises(
                tx.session, [snapshot for event in fresh for snapshot in event.enterprises],
                clock.today_in_china(), clock.now())
            for changed in changes:
                tx.emit(changed)
        self.log.info("enterprises_matched", events=len(events), duplicates=len(events) - len(fresh),
                      enterprises=sum(len(event.enterprises) for event in fresh),
                      matched=sum(changed.match_count() for changed in changes))

    @handles("policy.policy_published")
    def on_policy_published(self, deliveries: list[Delivery]) -> None:
        events = [PolicyPublished.model_validate(delivery.body) for delivery in deliveries]
        with self.matcher.lock, self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            changes = [changed for event in fresh
                       for changed in self.matcher.match_policy(tx.session, event.policy_id,
                                                                clock.today_in_china(), clock.now())]
            for changed in changes:
                tx.emit(changed)
        self.log.info("policies_matched_against_all", policy_ids=[event.policy_id for event in fresh],
                      matched=sum(changed.match_count() for changed in changes))

    # --- RPC ------------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_draft(self, draft: dict, actor: dict) -> dict:
        try:
            checked = PolicyDraft.model_validate(draft)
        except ValidationError as error:
            raise Invalid("the policy is not valid", [
                {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
                for item in error.errors(include_url=False)]) from None
        rule = catalogue.checked_rule(checked.eligibility, self.known_tags.codes(self.tagging))
        with self.store.transaction() as tx:
            policy = catalogue.create_draft(tx.session, checked, rule, actor, clock.now())
        self.log.info("policy_drafted", policy_id=policy["id"], actor=actor.get("id"))
        return policy

    @rpc(expected_exceptions=EXPECTED)
    def publish(self, policy_id: int, actor: dict) -> dict:
        with self.store.transaction() as tx:
            policy = catalogue.publish(tx.session, policy_id, clock.today_in_china(), clock.now())
            tx.emit(PolicyPublished(policy_id=policy_id, version=policy["version"]))
        self.log.info("policy_published", policy_id=policy_id, actor=actor.get("id"))
        return policy

    @rpc(expected_exceptions=EXPECTED)
    def get(self, policy_id: int) -> dict:
        with self.store.reading() as session:
            return catalogue.get(session, policy_id)

    @rpc(expected_exceptions=EXPECTED)
    def search(self, q=None, department=None, tag=None, status=None, limit: int = 20, offset: int = 0) -> dict:
        with self.store.reading() as session:
            return catalogue.search(session, q=q, department=department, tag=tag, status=status,
                                    limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def enterprise_policies(self, uscc: str) -> list[dict]:
        with self.store.reading() as session:
            known = read_model.load(session, uscc)
            if known is None:
                raise NotFound(f"no enterprise {uscc} is known to the policy service yet", {"uscc": uscc})
            facts, tags, _version = known
            rows = session.execute(
                select(matches.c.matched_at, matches.c.policy_version, matches.c.profile_version, policies)
                .join(policies, policies.c.id == matches.c.policy_id)
                .where(matches.c.uscc == uscc).order_by(matches.c.matched_at.desc(), policies.c.id))
            result = []
            for row in rows:
                rule = eligibility.parse(row.eligibility, lambda _code: True)
                item = {"policy_id": row.id, "title": row.title, "department": row.department,
                        "matched_at": row.matched_at.isoformat(), "policy_version": row.policy_version,
                        "profile_version": row.profile_version,
                        "explanation": eligibility.explain(rule, facts, tags).to_json()}
                if row.redeemable:
                    item["estimated_amount"] = estimate(row.subsidy, facts)
                result.append(item)
            return result

    @rpc
    def match_count(self) -> int:
        with self.store.reading() as session:
            return session.query(matches).count()
