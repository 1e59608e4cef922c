"""Applications submitted at the same moment, over HTTP, on PostgreSQL (where the application service's
workers really run side by side; on SQLite it lets one writer in at a time): of two policies of one
exclusive group exactly one is accepted (201) and the other refused (409), and so of the same policy
submitted twice; never a 500."""
from __future__ import annotations

import threading

import pytest

from tests.e2e.harness import has_interest, new_marker, policy_draft
from tests.e2e.test_application_hall import account, firm, matched, ok

pytestmark = [pytest.mark.e2e, pytest.mark.platform(backends=("postgresql",))]


@pytest.fixture(scope="module")
def reviewer(platform):
    department = platform.department()
    return department, account(platform, {"name": "科室", "role": "department_staff", "department": department})


def publish(reviewer, marker: str, **extra) -> int:
    department, staff = reviewer
    draft = policy_draft("稳岗补贴", has_interest(marker), department=department, redeemable=True,
                         subsidy={"type": "fixed", "amount": 10_000}, **extra)
    policy_id = ok(staff.post("/policies", draft), 201)["id"]
    ok(staff.post(f"/policies/{policy_id}/publish"))
    return policy_id


def at_once(me, uscc: str, policy_ids: list[int]) -> list:
    start = threading.Barrier(len(policy_ids))
    answers: list = [None] * len(policy_ids)

    def submit(index: int, policy_id: int) -> None:
        start.wait()
        answers[index] = me.post("/applications", {"policy_id": policy_id, "uscc": uscc})

    threads = [threading.Thread(target=submit, args=pair) for pair in enumerate(policy_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.parametrize("attempt", range(3))
def test_two_policies_of_one_exclusive_group_submitted_at_once_let_exactly_one_through(platform, gov, reviewer,
                                                                                       attempt):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    group = f"group_{marker}"
    policies = [publish(reviewer, marker, exclusive_group=group) for _ in range(2)]
    for policy_id in policies:
        matched(platform, uscc, policy_id)
    answers = at_once(me, uscc, policies)
    assert sorted(answer.status_code for answer in answers) == [201, 409], [answer.text[:300] for answer in answers]
    refused = next(answer for answer in answers if answer.status_code == 409).json()["error"]
    assert refused["code"] == "conflict" and refused["details"]["exclusive_group"] == group
    mine = ok(me.get("/applications"))
    assert mine["total"] == 1


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_policy_submitted_twice_at_once_is_one_application_and_one_409(platform, gov, reviewer, attempt):
    marker = new_marker()
    uscc, me = firm(platform, gov, marker)
    policy_id = publish(reviewer, marker)
    matched(platform, uscc, policy_id)
    answers = at_once(me, uscc, [policy_id, policy_id])
    assert sorted(answer.status_code for answer in answers) == [201, 409], [answer.text[:300] for answer in answers]
    assert ok(me.get("/applications"))["total"] == 1
