"""Two processes of every service (the gateway's too) on PostgreSQL, and `kill -9` of one process
of each in the middle of a bulk synchronisation: the survivors finish the work, and every input
has exactly one effect, as with one process of each (tests/e2e/test_crashes.py).

The first process of each service is the one killed: it started (and became ready) before the
second, so it is the tagging service's active consumer of its intake queues, and the kill makes
the second take over (single active consumer, docs/scaling.md).

The flows: government data in (a bulk synchronisation from five sources), tags, policies
published before and during the synchronisation (one of them proactive, 免申即享), matches in both
directions, notices, and the applications the platform opens for the proactive policy. The
expected effects are computed here from the generated profiles and the rules alone.
"""
from __future__ import annotations

import pytest

from demo.enterprises import generate, split_by_source
from shared.clock import today_in_china
from tests.e2e.harness import (
    DATABASE_SERVICES,
    database_waits,
    expected_effects,
    policy_draft,
    publish_monotone_policies,
    publish_sync,
    quiescent,
    sync_batches,
)
from tests.polling import until
from tools.launcher import SERVICES

pytestmark = [pytest.mark.e2e, pytest.mark.postgres,
              # the application service asks for the proactive policies each time: a cached list could
              # be older than the proactive policy's first matches
              pytest.mark.platform(replicas={name: 2 for name in SERVICES}, env={"HUIQI_PROACTIVE_CACHE_S": "0"})]

ENTERPRISES = 1500   # about 25 batches of 250 partial profiles from five sources
# monotone, as harness.MONOTONE_POLICIES: a partial profile that matches on the way keeps matching
PROACTIVE_RULE = {"field": "employees", "op": ">=", "value": 100}
LATE_RULE = {"all": [{"tag": "interest.financing"}, {"field": "employees", "op": ">=", "value": 30}]}


def handled(platform, consumer: str) -> int:
    """Bus messages a consumer has finished (a bulk batch's parts are claimed as `<id>#<part>`)."""
    return platform.scalar(consumer.split(".", 1)[0], "SELECT count(*) FROM inbox WHERE consumer = :consumer "
                                                      "AND event_id NOT LIKE '%#%'", consumer=consumer)


@pytest.mark.parametrize("fresh_platform", ["postgresql"], indirect=True)
def test_two_replicas_of_each_service_one_killed_mid_stream_give_exactly_one_effect_per_input(fresh_platform):
    platform = fresh_platform
    assert len(platform.processes.instances()) == 2 * len(SERVICES)
    rules = publish_monotone_policies(platform)
    proactive_id = platform.create_and_publish(policy_draft("稳岗奖励（免申即享）", PROACTIVE_RULE, proactive=True,
                                                            redeemable=True, subsidy={"type": "fixed", "amount": 1000}))
    rules[proactive_id] = PROACTIVE_RULE
    profiles = generate(ENTERPRISES, seed=505)
    batches = sync_batches(profiles, batch_size=250)

    publish_sync(platform.amqp_uri, batches)
    try:
        until(lambda: handled(platform, "tagging.on_gov_event") >= 2, timeout=60, interval=0.02)
    except AssertionError:
        raise AssertionError(f"{platform.counts()}\n{database_waits(platform)}") from None
    for name in SERVICES:
        platform.kill(f"{name}-1")
    assert handled(platform, "tagging.on_gov_event") < len(batches), "not a kill in the middle of the sync"
    platform.http.close()   # its connections went to either gateway: new ones reach the one alive
    # decided against every enterprise while the other direction matches the rest of the sync
    late_id = platform.create_and_publish(policy_draft("融资贴息（同步中发布）", LATE_RULE))
    rules[late_id] = LATE_RULE
    expected = expected_effects(profiles, rules, today_in_china())
    assert len(expected.matches) > 1000 and any(policy == late_id for _, policy in expected.matches)

    counts = quiescent(platform, expected, timeout=150)
    assert all(platform.processes.alive(f"{name}-2") for name in SERVICES), "a surviving replica exited"
    # tagged once per change: one version per source that sent fields, none stale or twice
    assert (counts.enterprises, counts.versions, counts.stale, counts.quarantined) == (
        expected.enterprises, expected.versions, 0, 0)
    assert platform.profile_versions() == {profile["uscc"]: len(split_by_source(profile)) for profile in profiles}
    assert handled(platform, "tagging.on_gov_event") == len(batches)
    assert counts.read_model == expected.enterprises
    # matched once: in the policy service, and as the evaluation and counselling services keep them
    matched = platform.matched_pairs()
    assert (len(matched), matched) == (counts.matches, set(expected.matches))
    assert set(map(tuple, platform.rows("evaluation", "SELECT uscc, policy_id FROM matches "
                                                      "WHERE first_matched_at IS NOT NULL"))) == expected.matches
    assert set(map(tuple, platform.rows("counselling", "SELECT uscc, policy_id FROM matches WHERE matched"))) \
        == expected.matches
    # notified once per match
    notified = platform.notified_pairs()
    assert (len(notified), set(notified)) == (len(expected.matches), expected.matches)
    # the proactive policy's matches became one application each, and each enterprise was told once
    offered = [uscc for (uscc,) in platform.rows("application", "SELECT uscc FROM applications WHERE proactive "
                                                                "AND policy_id = :policy", policy=proactive_id)]
    assert sorted(offered) == sorted(uscc for uscc, policy in expected.matches if policy == proactive_id)
    offers = platform.scalar("notification", "SELECT count(*) FROM notifications WHERE kind = 'proactive_offer'")
    assert offers == len(offered)
    assert counts.dead_letters == {service: 0 for service in DATABASE_SERVICES}
    assert counts.outbox == {service: 0 for service in DATABASE_SERVICES}
