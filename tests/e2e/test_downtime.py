"""Nothing published to `gov.events` is lost while consumers are away: neither before any service
ever started (queues are declared at deployment by `huiqi declare`) nor while one is stopped."""
from __future__ import annotations

import pytest

from tests.broker import queue_totals
from tests.e2e.harness import (
    API,
    bulk_event,
    drained,
    enterprise_event,
    has_interest,
    new_marker,
    new_uscc,
    policy_draft,
)
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.platform(start=False, env={"HUIQI_RPC_TIMEOUT_S": "3"})]


def profile(name: str, marker: str, **changes) -> dict:
    return {"name": name, "registered_on": "2021-03-02", "ownership": "private", "industry_code": "C1331",
            "county": "371625", "employees": 45, "annual_revenue": 80_000_000.0, "total_assets": 60_000_000.0,
            "interests": [marker], **changes}


def test_events_published_after_deployment_but_before_any_service_ever_started_are_handled(platform, gov):
    assert not any(platform.processes.alive(name) for name in platform.processes.services), "must run first"
    marker = new_marker()
    first, second, synced = new_uscc(division="371625"), new_uscc(division="371625"), new_uscc(division="371625")
    gov.publish("enterprise.registered", enterprise_event(first, profile("博兴县某粮油有限公司", marker)))
    gov.publish("enterprise.registered", enterprise_event(second, profile("博兴县某油脂有限公司", marker)))
    gov.publish("enterprise.profile_changed",
                enterprise_event(second, {"employees": 60}, source="human-resources", sequence=1))
    gov.publish("enterprise.profiles_synced", bulk_event("market-regulation", [
        {"sequence": 1, "enterprise": {"uscc": synced, **profile("博兴县某食品有限公司", marker)}}]))
    # the declared queues keep them: single events in the live lane, the synchronisation in the bulk lane
    # (eventually: the broker lists a quorum queue's count a moment late)
    eventually(lambda: _waiting(platform, 3, 1), timeout=30, what="the events waiting in tagging's queues")

    platform.start()

    files = {uscc: eventually(lambda uscc=uscc: platform.enterprise(uscc), what=f"{uscc} to be filed")
             for uscc in (first, second, synced)}
    assert files[first]["employees"] == 45 and files[first]["version"] == 1
    eventually(lambda: _at(platform, second, version=2, employees=60), what="the change to the second enterprise")
    assert files[synced]["name"] == "博兴县某食品有限公司"

    # and the rest of the platform takes them from there: a policy published now reaches all three
    policy_id = platform.create_and_publish(policy_draft("博兴县粮油加工企业扶持", has_interest(marker)))
    for uscc in files:
        eventually(lambda uscc=uscc: _notified(platform, uscc, [policy_id]), what=f"{uscc}'s notification")


def test_events_published_while_tagging_is_stopped_are_handled_after_it_starts(platform, gov):
    platform.start()  # idempotent: started already when the test above ran first
    marker = new_marker()
    policy_id = platform.create_and_publish(policy_draft(
        "无棣县海洋产业扶持", {"all": [{"tag": "county.371623"}, has_interest(marker)]}))
    known = new_uscc(division="371623")
    gov.publish("enterprise.registered",
                enterprise_event(known, profile("无棣县某盐业有限公司", marker, county="371623")))
    eventually(lambda: _notified(platform, known, [policy_id]), what="the first enterprise's notification")

    platform.stop("tagging")
    assert not platform.processes.alive("tagging")
    newcomer = new_uscc(division="371623")
    gov.publish("enterprise.registered",
                enterprise_event(newcomer, profile("无棣县某海产有限公司", marker, county="371623")))
    gov.publish("enterprise.profile_changed",
                enterprise_event(known, {"employees": 90}, source="human-resources", sequence=1))
    gov.publish("enterprise.profiles_synced", bulk_event("market-regulation", [
        {"sequence": 2, "enterprise": {"uscc": known, "name": "无棣县某盐业集团有限公司"}}]))
    eventually(lambda: _waiting(platform, 2, 1), timeout=30, what="the events waiting in tagging's queues")
    # a service that is down gives 503 JSON, not a hang
    down = platform.get(f"{API}/enterprises/{known}")
    assert down.status_code == 503 and down.json()["error"]["code"] == "service_unavailable", down.text

    platform.start("tagging")

    def applied():
        file = platform.enterprise(known)
        assert (file["version"], file["employees"], file["name"]) == (3, 90, "无棣县某盐业集团有限公司"), file
    eventually(applied, what="the changes published while tagging was down")
    assert eventually(lambda: platform.enterprise(newcomer))["county"] == "371623"
    eventually(lambda: _notified(platform, newcomer, [policy_id]), what="the newcomer's notification")
    drained(platform)
    assert [n["policy_id"] for n in platform.notifications_of(known)] == [policy_id]


def _at(platform, uscc: str, *, version: int, employees: int) -> None:
    file = platform.enterprise(uscc)
    assert (file["version"], file["employees"]) == (version, employees), file


def _notified(platform, uscc: str, policy_ids: list[int]) -> None:
    got = sorted(n["policy_id"] for n in platform.notifications_of(uscc))
    assert got == sorted(policy_ids), f"{uscc} has notifications for {got}"


def _waiting(platform, live: int, bulk: int) -> None:
    waiting = queue_totals(platform.amqp_uri)
    assert (waiting["tagging.gov_events"], waiting["tagging.gov_events.bulk"]) == (live, bulk), waiting
