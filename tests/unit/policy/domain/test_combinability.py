"""Policies in one exclusive group cannot be redeemed together."""
from services.policy.domain.combinability import combinability


def test_each_policy_of_a_group_names_the_others_and_one_alone_combines():
    items = [{"policy_id": 1, "exclusive_group": "stable_jobs"}, {"policy_id": 2},
             {"policy_id": 3, "exclusive_group": "stable_jobs"}, {"policy_id": 4, "exclusive_group": "rd"},
             {"policy_id": 5, "exclusive_group": "stable_jobs"}]
    assert combinability(items) == {
        1: {"combinable": False, "not_combinable_with": [3, 5]},
        3: {"combinable": False, "not_combinable_with": [1, 5]},
        5: {"combinable": False, "not_combinable_with": [1, 3]},
        4: {"combinable": True, "not_combinable_with": []}}


def test_policies_without_a_group_say_nothing():
    assert combinability([{"policy_id": 1}, {"policy_id": 2, "exclusive_group": None}]) == {}
