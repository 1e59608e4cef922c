"""A live change overtakes bulk work at every hop: an enterprise registered while a bulk
synchronisation is queued is notified long before the synchronisation is through, and both end
with every effect exactly once."""
from __future__ import annotations

import time

import pytest

from demo.enterprises import generate
from shared.clock import today_in_china
from tests.e2e.harness import (
    DATABASE_SERVICES,
    GovPublisher,
    enterprise_event,
    expected_effects,
    has_interest,
    new_marker,
    new_uscc,
    policy_draft,
    publish_monotone_policies,
    quiescent,
    sync_batches,
)
from tests.polling import eventually

pytestmark = pytest.mark.e2e

BULK_ENTERPRISES = 3000   # 5 sources in batches of 1,000: some 15 batches, tens of seconds of work here


@pytest.mark.platform(backends=("sqlite", "postgresql"))
def test_a_registration_during_a_bulk_sync_is_notified_before_the_sync_is_through(fresh_platform):
    platform = fresh_platform
    rules = publish_monotone_policies(platform)
    marker = new_marker()
    live_policy = platform.create_and_publish(policy_draft("直通车", has_interest(marker)))
    profiles = generate(BULK_ENTERPRISES, seed=909)
    expected = expected_effects(profiles, rules, today_in_china())

    publisher = GovPublisher(platform.amqp_uri)
    try:
        for batch in sync_batches(profiles, batch_size=1000):
            publisher.publish("enterprise.profiles_synced", batch)
        uscc = new_uscc()
        publisher.publish("enterprise.registered", enterprise_event(uscc, {
            "name": "滨州直通车有限公司", "county": "371602", "industry_code": "C3011",
            "registered_on": "2020-05-01", "employees": 30, "interests": [marker]}))
        published = time.monotonic()
    finally:
        publisher.close()

    def notified() -> None:
        assert (uscc, live_policy) in set(platform.notified_pairs()), "not notified yet"
    eventually(notified, timeout=60, interval=0.05, what="the live registration's notification")
    took = time.monotonic() - published
    # the profile versions the tagging service has written of the sync (the registration wrote one)
    applied = platform.counts().versions - 1
    assert applied < expected.versions, (
        f"the registration was notified {took:.1f} s after it was published, once all {expected.versions:,} "
        f"partial profiles of the sync were applied: it waited behind the sync")

    counts = quiescent(platform, expected, timeout=180)
    assert platform.matched_pairs() == expected.matches | {(uscc, live_policy)}
    notified_pairs = platform.notified_pairs()
    assert len(notified_pairs) == len(set(notified_pairs))
    assert set(notified_pairs) == expected.matches | {(uscc, live_policy)}
    assert counts.stale == 0
    assert counts.dead_letters == {service: 0 for service in DATABASE_SERVICES}
