"""What the tagging service knows of a policy's rule after each of the policy service's events, in
whatever order they arrive."""
import itertools

import pytest

from services.tagging.domain.policy_uses import Heard, after
from shared.contracts.events import PolicyExpired, PolicyPublished, PolicyRevised, PolicyStarted, PolicyWithdrawn

NOTHING = Heard()


def published(version: int, *tags: str) -> PolicyPublished:
    return PolicyPublished(policy_id=1, version=version, title="稳岗补贴", department="hrss", tags_used=list(tags))


def revised(version: int, *tags: str) -> PolicyRevised:
    return PolicyRevised(policy_id=1, version=version, title="稳岗补贴", department="hrss", tags_used=list(tags))


def heard(events) -> Heard:
    state = NOTHING
    for event in events:
        state = after(state, event) or state
    return state


def test_a_published_policy_is_in_force_at_its_version():
    assert after(NOTHING, published(3, "scale.small")) == Heard(3, in_force=True)
    assert after(Heard(3), revised(4, "scale.micro")) == Heard(4, in_force=True)


def test_an_older_version_changes_nothing():
    assert after(Heard(4), revised(3)) is None
    assert after(Heard(4), published(2)) is None


def test_withdrawal_and_expiry_are_final():
    for ending in (PolicyWithdrawn(policy_id=1, version=4), PolicyExpired(policy_id=1, version=4)):
        assert after(Heard(4), ending) == Heard(4, in_force=False)
        assert after(Heard(4, in_force=False), revised(5)) is None
        assert after(NOTHING, ending) == Heard(4, in_force=False)   # heard before the publication


def test_the_start_of_a_policy_leaves_its_rule_alone():
    assert after(Heard(2), PolicyStarted(policy_id=1, version=2)) is None


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_any_order_of_one_policys_events_ends_where_the_policy_did(order):
    events = [published(1, "a"), revised(2, "b"), PolicyWithdrawn(policy_id=1, version=2)]
    assert heard([events[number] for number in order]) == Heard(2, in_force=False)
    in_force = [published(1, "a"), revised(2, "b"), revised(3, "c")]
    assert heard([in_force[number] for number in order]) == Heard(3, in_force=True)
