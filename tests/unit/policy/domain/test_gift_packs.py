"""A gift pack holds published policies only, each once, in the order staff gave them."""
import pytest

from services.policy.domain.gift_packs import members
from shared.errors import Invalid


def test_the_pack_keeps_the_order_given_without_repeats():
    assert members([3, 1, 3, 2], {1: "published", 2: "published", 3: "published"}) == [3, 1, 2]


def test_each_missing_or_unpublished_policy_is_named_at_its_place():
    with pytest.raises(Invalid) as refused:
        members([1, 9, 1, 2], {1: "published", 2: "withdrawn"})
    assert refused.value.details == [{"field": "policy_ids.1", "message": "no policy 9"},
                                     {"field": "policy_ids.2", "message": "policy 2 is withdrawn, not published"}]
