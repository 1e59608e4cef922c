"""A policy published before its `valid_from` day matches no one until that day (China time); on that day
every enterprise that then matches gets it pushed, once (contract section 6). Time travel on; the clock
only moves forward."""
from __future__ import annotations

import pytest

from tests.e2e.harness import (
    API,
    drained,
    enterprise_event,
    has_interest,
    new_marker,
    new_uscc,
    policy_draft,
)
from tests.e2e.test_application_hall import ok
from tests.polling import eventually, until

pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_TIME_TRAVEL": "1"})]


def pushes(platform, uscc: str, policy_id: int) -> list[dict]:
    return [item for item in platform.notifications_of(uscc)
            if item["policy_id"] == policy_id and item["kind"] == "policy_matched"]


def test_a_policy_is_pushed_on_its_valid_from_day_once(platform, gov):
    # a few minutes before midnight in China, so the day turns only when the test moves the clock
    ok(platform.post(f"{API}/admin/clock", {"set": "2026-12-20T23:55:00+08:00"}))
    marker = new_marker()
    firms = [new_uscc() for _ in range(2)]
    for uscc in firms:
        gov.publish("enterprise.registered", enterprise_event(uscc, {"name": "滨州新政测试有限公司", "employees": 40,
                                                                     "interests": [marker]}))
    for uscc in firms:
        eventually(lambda uscc=uscc: platform.enterprise(uscc), what=f"{uscc} to be registered")
    policy_id = platform.create_and_publish(policy_draft("新年稳岗补贴", has_interest(marker),
                                                         valid_from="2026-12-21", valid_to="2027-12-31"))
    drained(platform)
    assert all(pushes(platform, uscc, policy_id) == [] for uscc in firms)
    assert all(platform.policies_of(uscc) == [] for uscc in firms)
    assert ok(platform.get(f"{API}/policies/{policy_id}"))["started_at"] is None

    ok(platform.post(f"{API}/admin/clock", {"set": "2026-12-21T00:00:05+08:00"}))
    for uscc in firms:
        until(lambda uscc=uscc: pushes(platform, uscc, policy_id), timeout=40,
              what=f"{uscc} to be told of the policy on its first day")
    assert all(any(item["policy_id"] == policy_id for item in platform.policies_of(uscc)) for uscc in firms)
    started_at = ok(platform.get(f"{API}/policies/{policy_id}"))["started_at"]
    assert started_at is not None

    # later days start nothing again, and nobody is told twice
    ok(platform.post(f"{API}/admin/clock", {"advance": "P1D"}))
    until(lambda: ok(platform.get("/health"))["services"]["policy"]["now"] >= "2026-12-21T16:00",
          what="the policy service to reach the next day")
    drained(platform)
    assert ok(platform.get(f"{API}/policies/{policy_id}"))["started_at"] == started_at
    assert all(len(pushes(platform, uscc, policy_id)) == 1 for uscc in firms)
