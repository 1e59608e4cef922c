"""`kill -9` of a consuming service in the middle of a bulk synchronisation, then a restart:
every input has exactly one effect.

The effects are counted in the service databases (opened read-only) and compared with what the
domain rules say the input must produce, computed here from the generated profiles alone.
"""
from __future__ import annotations

import pytest

from demo.enterprises import generate, split_by_source
from shared.clock import today_in_china
from tests.e2e.harness import (
    DATABASE_SERVICES,
    database_waits,
    expected_effects,
    publish_monotone_policies,
    publish_sync,
    quiescent,
    sync_batches,
)
from tests.polling import until

pytestmark = pytest.mark.e2e

ENTERPRISES = 2600  # about 20 batches of 500 partial profiles from five sources


def handled(platform, consumer: str) -> int:
    """Messages a consumer has finished (committed), from its inbox. A bulk batch is applied in
    parts, each claimed on its own (`<event id>#<part>`), the last under the batch's own id."""
    return platform.scalar(platform_service(consumer), "SELECT count(*) FROM inbox WHERE consumer = :consumer "
                                                       "AND event_id NOT LIKE '%#%'", consumer=consumer)


def platform_service(consumer: str) -> str:
    return consumer.split(".", 1)[0]


def kill_midway(platform, service: str, consumer: str, total: int, *, timeout: float = 40.0) -> int:
    """kill -9 `service` once its consumer has finished some of its `total` messages but not all."""
    try:
        # polling the inbox closely, to kill while the sync is still going on
        until(lambda: handled(platform, consumer) >= 2, timeout=timeout, interval=0.02)
    except AssertionError:
        raise AssertionError(f"{consumer} handled {handled(platform, consumer)} of {total} messages in "
                             f"{timeout:g} s; {platform.counts()}\n{database_waits(platform)}") from None
    platform.kill(service)
    done = handled(platform, consumer)
    assert done < total, f"{service} had already handled all {total} messages when killed: not a mid-sync kill"
    return done


@pytest.mark.parametrize(("fresh_platform", "service", "consumer", "seed"), [
    ("sqlite", "tagging", "tagging.on_gov_event", 101),
    ("sqlite", "policy", "policy.on_enterprise_tagged", 202),
    pytest.param("postgresql", "tagging", "tagging.on_gov_event", 303, marks=pytest.mark.postgres),
    pytest.param("postgresql", "policy", "policy.on_enterprise_tagged", 404, marks=pytest.mark.postgres),
], indirect=["fresh_platform"])
def test_kill_9_in_the_middle_of_a_bulk_sync_then_restart_has_exactly_one_effect_per_input(
        fresh_platform, service, consumer, seed):
    platform = fresh_platform
    rules = publish_monotone_policies(platform)
    profiles = generate(ENTERPRISES, seed=seed)
    batches = sync_batches(profiles, batch_size=500)
    expected = expected_effects(profiles, rules, today_in_china())
    assert 18 <= len(batches) <= 26 and len(expected.matches) > 500, "a sync big enough to be caught midway"

    publish_sync(platform.amqp_uri, batches)
    # the policy service handles one enterprise.tagged event per batch the tagging service applied
    kill_midway(platform, service, consumer, total=len(batches))
    platform.start(service)

    counts = quiescent(platform, expected, timeout=120)
    assert counts.enterprises == expected.enterprises
    assert counts.versions == expected.versions, "a partial profile was applied twice or not at all"
    assert counts.stale == 0, "a batch was applied again after the restart (its items were found stale)"
    assert counts.quarantined == 0
    assert counts.read_model == expected.enterprises
    # tagging folds batches that queue up into one transaction, so only its inbox counts batches
    assert handled(platform, "tagging.on_gov_event") == len(batches), "every batch handled once"
    assert platform.profile_versions() == {profile["uscc"]: len(split_by_source(profile)) for profile in profiles}
    matched = platform.matched_pairs()
    assert len(matched) == counts.matches
    assert matched == expected.matches, (f"missing {len(expected.matches - matched)}, "
                                         f"unexpected {len(matched - expected.matches)}")
    notified = platform.notified_pairs()
    assert len(notified) == len(set(notified)), "an enterprise was notified twice for one policy"
    assert set(notified) == expected.matches
    assert counts.dead_letters == {service: 0 for service in DATABASE_SERVICES}

