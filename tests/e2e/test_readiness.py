"""Readiness: `/health` answers 200 only once a request can be served, so the first request made
the moment it does (here `POST /api/v1/policies`, which needs the tagging service's catalogue)
succeeds. The catalogue load is held back by a lock the test takes on the tagging database before
the services start, which makes the window a fresh start has by chance as wide as the test needs.
Meanwhile the tagging process's own `/health/ready` (its probe port) is 503 and the gateway's is
200: a gateway replica is ready when it can serve, whatever the services behind it.

And `make run` says the platform is running only once the demo's data have settled: once
`demo.load.wait_until_settled` returns, every effect of a bulk load is there.
"""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import text

from demo.enterprises import generate
from demo.load import platform_work, wait_until_settled
from shared import migrations
from shared.clock import today_in_china
from shared.database import engine_for
from tests.e2e.harness import (
    API,
    GovPublisher,
    expected_effects,
    policy_draft,
    publish_monotone_policies,
    sync_batches,
)
from tests.polling import eventually
from tests.tcp_proxy import free_port

pytestmark = pytest.mark.e2e

SERVICES = ("tagging", "policy", "notification", "application", "evaluation", "accounts", "counselling")
TAGGING_PROBES = free_port()   # the tagging process's own /health/ready (shared.probes)


def health(platform) -> requests.Response:
    """`GET /health` once every service answers it (ready or not); AssertionError until then."""
    try:
        answer = platform.get("/health")
    except requests.RequestException as error:
        raise AssertionError(f"the gateway does not answer yet: {error!r}") from None
    body = answer.json()
    silent = set(body.get("failed", {})) - set(body["services"])
    assert not silent, f"not answering yet: {silent}"
    return answer


def tagging_ready() -> int:
    return requests.get(f"http://127.0.0.1:{TAGGING_PROBES}/health/ready", timeout=5).status_code


def _answers(probe) -> int:
    try:
        return probe()
    except requests.RequestException as error:
        raise AssertionError(f"no answer yet: {error!r}") from None


@pytest.mark.platform(backends=("postgresql",), start=False, env={"HUIQI_TAGGING_PROBE_PORT": str(TAGGING_PROBES)})
def test_health_is_200_only_once_a_policy_can_be_created(fresh_platform):
    platform = fresh_platform
    tagging_url = platform.database_url.format(service="tagging")
    migrations.migrate("tagging", tagging_url)
    engine = engine_for(tagging_url, pool_size=1)
    holder = engine.connect()
    transaction = holder.begin()
    try:
        # the catalogue's seed reads tag_definitions: it waits here, as a slow start would
        holder.execute(text("LOCK TABLE tag_definitions IN ACCESS EXCLUSIVE MODE"))
        platform.processes.start()
        # tagging is held back on purpose: its own readiness stays 503 until the catalogue is read
        platform.processes.wait_ready(*(name for name in SERVICES if name != "tagging"), timeout_s=90)
        eventually(lambda: _answers(tagging_ready), timeout=90, what="the tagging process's probes")

        def seed_waits() -> None:
            waiting = platform.scalar("policy", "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                                                "AND wait_event_type = 'Lock'",
                                      name=engine.url.database)
            assert waiting, "the tagging service is not waiting for its catalogue yet"
        eventually(seed_waits, timeout=60)
        first = eventually(lambda: health(platform), timeout=60, what="every service answering /health")
        if first.status_code == 200:  # what a client may do now: it must work
            created = platform.post(f"{API}/policies", policy_draft("就绪检查", {"tag": "scale.small"}))
            assert created.status_code == 201, \
                f"/health said 200, then POST policy {created.status_code} {created.text[:300]}"
        assert first.status_code == 503, f"/health said {first.status_code} before the catalogue was read"
        assert "tagging" in first.json()["failed"], first.json()
        # the gateway replica itself can serve: its probe does not follow the services behind it
        assert platform.get("/health/ready").status_code == 200
        assert platform.get("/health/live").status_code == 200
        assert tagging_ready() == 503, "the tagging process says it is ready before its catalogue is read"
    finally:
        transaction.rollback()
        holder.close()
        engine.dispose()

    def ready() -> None:
        assert health(platform).status_code == 200
    eventually(ready, timeout=60, interval=0.05, what="/health 200 once the catalogue is loaded")
    created = platform.post(f"{API}/policies", policy_draft("就绪检查", {"tag": "scale.small"}))
    assert created.status_code == 201, f"{created.status_code} {created.text[:300]}"
    assert platform.get("/health/ready").status_code == 200
    assert tagging_ready() == 200


def test_settled_means_every_effect_of_a_bulk_load_is_in(fresh_platform):
    platform = fresh_platform
    rules = publish_monotone_policies(platform)
    profiles = generate(2000, seed=77)
    expected = expected_effects(profiles, rules, today_in_china())
    publisher = GovPublisher(platform.amqp_uri)
    try:
        for batch in sync_batches(profiles, batch_size=500):
            publisher.publish("enterprise.profiles_synced", batch)
    finally:
        publisher.close()
    assert platform_work(platform.url, platform.amqp_uri), "the load is still being worked right after it"

    wait_until_settled(platform.url, platform.amqp_uri, say=lambda _line: None, timeout_s=120)

    counts = platform.counts()   # at once: no waiting after "settled"
    assert counts.enterprises == expected.enterprises
    assert platform.matched_pairs() == expected.matches
    assert sorted(platform.notified_pairs()) == sorted(expected.matches)
    assert counts.outbox == {service: 0 for service in counts.outbox}
