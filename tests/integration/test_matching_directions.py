"""Matching decides the same whichever way it runs: an enterprise against every policy (the
in-memory index) or a policy against every enterprise (one SQL query), on SQLite and PostgreSQL.
The services run in-process on the real broker; the expectation is computed independently."""

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import func, select

from demo import api_body, load_policies
from demo.enterprises import generate
from demo.load import publish_batches
from services.tagging.domain.catalogue import load_default
from services.tagging.domain.derived import derive
from shared import clock, eligibility
from shared.contracts.actors import Actor, Role
from shared.contracts.policies import PolicyDraft
from tests.broker import queue_totals
from tests.polling import eventually, until

ADMIN = Actor(role=Role.city_admin, id="admin").model_dump(mode="json")   # as it travels
ENTERPRISES = 300
EXTRA_RULES = [
    {"all": [{"field": "qualifications", "op": "!=", "value": "high_tech_enterprise"}, {"tag": "industry.c"}]},
    {"not": {"any": [{"tag": "scale.micro"}, {"field": "employees", "op": "<", "value": 20}]}},
    {"field": "interests", "op": "in", "value": ["financing", "export"]},
    {"all": [{"field": "registered_on", "op": ">=", "value": "2020-01-01"}, {"not": {"tag": "county.371681"}}]},
]


def expected_pairs(policies: dict[int, dict], profiles: list[dict]) -> set[tuple[str, int]]:
    catalogue = load_default()
    pairs = set()
    rules = {policy_id: eligibility.parse(policy["eligibility"], None) for policy_id, policy in policies.items()}
    for profile in profiles:
        fields = {key: value for key, value in profile.items() if key != "uscc"}
        facts = derive(fields, clock.today_in_china())  # as the services, in this process, see it
        tags = set(catalogue.assign(facts))
        for policy_id, rule in rules.items():
            if facts.get("status", "active") == "active" and eligibility.evaluate(rule, facts, tags):
                pairs.add((profile["uscc"], policy_id))
    return pairs


def create_and_publish(config, bodies) -> dict[int, dict]:
    created = {}
    with ServiceRpcProxy("policy", config, timeout=30) as policy:
        for body in bodies:
            draft = policy.create_draft(body, ADMIN)
            policy.publish(draft["id"], ADMIN)
            created[draft["id"]] = draft
    return created


@pytest.fixture
def platform(container_factory, nameko_config, platform_env, purge_queues):
    from services.notification.service import NotificationService
    from services.policy.service import PolicyService
    from services.tagging.service import TaggingService

    containers = {}
    for service in (TaggingService, PolicyService, NotificationService):
        containers[service.name] = container_factory(service, nameko_config)
        containers[service.name].start()
    return containers


def engine_of(container):
    from shared.store import Store
    return next(dep for dep in container.dependencies if isinstance(dep, Store)).engine


def test_both_directions_agree_with_the_rules(platform, nameko_config, amqp_uri):
    from services.notification.models import notifications
    from services.policy.models import matches

    today_policies = [api_body(entry) for entry in load_policies()]
    bodies = today_policies + [
        {**today_policies[0], "title": f"规则测试 {index}", "eligibility": rule, "redeemable": False,
         "proactive": False, "subsidy": None, "budget": None, "exclusive_group": None}
        for index, rule in enumerate(EXTRA_RULES)]
    first, second = bodies[::2], bodies[1::2]
    profiles = generate(ENTERPRISES)

    policies = create_and_publish(nameko_config, first)          # before the enterprises: index path
    # whole profiles from one source, so no enterprise is ever matched on partial data (which
    # would rightly leave it a notification for a policy it stops matching once the rest arrives)
    publish_batches(amqp_uri, [{"event_id": f"sync-{start}", "source": "market-regulation",
                                "occurred_at": "2026-11-27T09:30:00+08:00",
                                "profiles": [{"sequence": 1, "enterprise": profile}
                                             for profile in profiles[start:start + 100]]}
                               for start in range(0, len(profiles), 100)])
    policies |= create_and_publish(nameko_config, second)        # after them: SQL path

    expected = expected_pairs(policies, profiles)
    assert len(expected) > 100, "the test data should produce a fair number of matches"

    def recorded(table):
        policy = table.c.policy_id if table is matches else table.c.subject_id   # a notice's subject: its policy
        with engine_of(platform["policy" if table is matches else "notification"]).connect() as connection:
            return set(connection.execute(select(table.c.uscc, policy)).tuples())

    until(lambda: len(recorded(notifications)) >= len(expected), timeout=60, interval=0.2,
          what=f"{len(expected)} notifications")

    def drained() -> None:
        """Nothing more can arrive: no queue of these services holds a message, no outbox an event."""
        from shared.messaging_tables import outbox
        queued = {name: count for name, count in queue_totals(amqp_uri).items()
                  if count and name.split(".")[0] in platform}
        unsent = {}
        for name, container in platform.items():
            with engine_of(container).connect() as connection:
                unsent[name] = connection.execute(select(func.count()).select_from(outbox)).scalar_one()
        assert not queued and not any(unsent.values()), f"queued: {queued}, in outboxes: {unsent}"
    eventually(drained, timeout=60, interval=0.2, what="every queue and outbox to drain")
    assert recorded(matches) == expected
    assert recorded(notifications) == expected

    # Near-misses (one SQL query) agree with the rule evaluated member by member in Python.
    near_rule = {"all": [{"tag": "industry.c"}, {"field": "employees", "op": ">=", "value": 50},
                         {"not": {"tag": "scale.micro"}}]}
    revised_id = next(policy_id for policy_id, policy in policies.items() if policy["title"] == "规则测试 0")
    with ServiceRpcProxy("policy", nameko_config, timeout=30) as policy_rpc:
        body = {key: policies[revised_id][key] for key in PolicyDraft.model_fields}
        revised = policy_rpc.revise(revised_id, {**body, "eligibility": near_rule}, ADMIN)
        assert revised["version"] == 2
        policies[revised_id] = revised
        expected = expected_pairs(policies, profiles)
        until(lambda: recorded(matches) == expected, timeout=60, interval=0.2, what="the revised rule's matches")
        found = policy_rpc.near_misses(revised_id, 0, None)

    catalogue = load_default()
    members = eligibility.parse(near_rule, None).rules
    wanted: dict[str, set[str]] = {}
    for profile in profiles:
        facts = derive({key: value for key, value in profile.items() if key != "uscc"}, clock.today_in_china())
        if facts.get("status", "active") != "active":
            continue
        tags = set(catalogue.assign(facts))
        failing = [f"$.all[{position}]" for position, member in enumerate(members)
                   if not eligibility.evaluate(member, facts, tags)]
        if len(failing) == 1:
            wanted.setdefault(failing[0], set()).add(profile["uscc"])
    assert wanted, "the test data should produce near-misses"
    listed: dict[str, set[str]] = {}
    for item in found["items"]:
        listed.setdefault(item["path"], set()).add(item["uscc"])
    assert listed == wanted
    assert {group["path"]: group["count"] for group in found["conditions"]} == \
        {path: len(codes) for path, codes in wanted.items()}
    assert found["total"] == sum(len(codes) for codes in wanted.values())

    # The count before publishing (POST /policies/preview) is what a published policy with the rule matches:
    # every policy's rule previewed agrees with the matches recorded for it, and the sample is among them.
    from shared.errors import Invalid
    with ServiceRpcProxy("policy", nameko_config, timeout=30) as policy_rpc:
        for policy_id, policy in policies.items():
            matched = {uscc for uscc, matched_id in expected if matched_id == policy_id}
            preview = policy_rpc.preview(policy["eligibility"], 5)
            assert preview["matching"] == len(matched), policy["title"]
            assert preview["active"] >= preview["matching"]
            codes = [item["uscc"] for item in preview["sample"]]
            assert codes == sorted(matched)[:5]
            names = {profile["uscc"]: profile["name"] for profile in profiles}
            assert all(item["name"] == names[item["uscc"]] for item in preview["sample"])
        with pytest.raises(Invalid) as refused:
            policy_rpc.preview({"all": [{"tag": "industry.c"}, {"tag": "no.such_tag"}]}, 5)
        assert "$.all[1].tag" in str(refused.value)
