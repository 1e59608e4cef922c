"""demo/policies.json: realistic policies with the contract's shape and rules that parse and select sensibly."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from demo import API_FIELDS, api_body, load_policies
from demo.enterprises import TODAY
from shared import eligibility
from shared.contracts.policies import PolicyDraft
from tests.unit.demo.support import PolicyEntry, known_tags, matches, tagged

POLICIES = load_policies()
# The tag codes the demo rules were agreed to use (the catalogue holds more).
ALLOWED_TAG = re.compile(
    r"^(scale\.(large|medium|small|micro)"
    r"|ownership\.(state_owned|collective|private|foreign_invested|hmt_invested|individual_business)"
    r"|county\.(371602|371603|371621|371622|371623|371625|371681)"
    r"|industry\.[a-t]"
    r"|qualification\.(high_tech_enterprise|tech_sme|specialized_sme|little_giant|gazelle)"
    r"|interest\.(financing|tax_relief|talent|innovation|export|digital|land|energy|employment)"
    r"|age\.(startup|growing|mature))$")


def _title(policy) -> str:
    return policy["title"]


@pytest.mark.parametrize("policy", POLICIES, ids=_title)
def test_entry_has_the_policy_shape(policy):
    PolicyEntry.model_validate(policy)


def test_a_realistic_collection():
    assert 28 <= len(POLICIES) <= 40
    titles = [policy["title"] for policy in POLICIES]
    assert len(set(titles)) == len(titles)
    redeemable = [policy for policy in POLICIES if policy["redeemable"]]
    assert 0.35 <= len(redeemable) / len(POLICIES) <= 0.65
    assert 3 <= sum(policy["proactive"] for policy in POLICIES) < len(redeemable)
    assert {policy["level"] for policy in POLICIES} == {"national", "provincial", "city", "county"}
    assert len({policy["county"] for policy in POLICIES if policy["level"] == "county"}) >= 3
    assert len({policy["department"] for policy in POLICIES}) >= 10
    assert {policy["subsidy"]["type"] for policy in redeemable} == {"fixed", "per_unit", "ratio"}
    assert sum(1 for policy in POLICIES if not policy["eligibility"]) <= 3


def test_each_department_code_has_one_name():
    names = defaultdict(set)
    for policy in POLICIES:
        names[policy["department"]].add(policy["department_name"])
    assert all(len(found) == 1 for found in names.values()), names


def test_exclusive_groups_join_several_redeemable_policies():
    groups = Counter(policy["exclusive_group"] for policy in POLICIES if policy.get("exclusive_group"))
    assert len(groups) >= 2 and all(count >= 2 for count in groups.values())
    assert all(policy["redeemable"] for policy in POLICIES if policy.get("exclusive_group"))


def test_policies_are_in_force_and_mostly_run_through_2027():
    for policy in POLICIES:
        assert date.fromisoformat(policy["valid_from"]) <= TODAY <= date.fromisoformat(policy["valid_to"])
    lasting = [policy for policy in POLICIES if policy["valid_to"] >= "2027-12-31"]
    assert len(lasting) >= 0.8 * len(POLICIES)


@pytest.mark.parametrize("policy", POLICIES, ids=_title)
def test_rule_parses_and_names_only_agreed_tags(policy):
    rule = eligibility.parse(policy["eligibility"], known_tags())
    for tag in eligibility.tags_used(rule):
        assert ALLOWED_TAG.match(tag), tag
    if policy["level"] == "county":
        assert f"county.{policy['county']}" in eligibility.required_tags(rule)


@pytest.mark.parametrize("policy", POLICIES, ids=_title)
def test_rule_matches_a_sensible_share_of_enterprises(policy):
    rows = tagged(5_000)
    share = matches(policy["eligibility"], rows) / len(rows)
    if not policy["eligibility"]:
        assert share == 1.0
    else:
        assert 0.005 <= share <= 0.5, f"{policy['title']}: {share:.2%}"


@pytest.mark.parametrize("policy", POLICIES, ids=_title)
def test_api_body_is_a_valid_policy_draft(policy):
    body = api_body(policy)
    assert set(body) <= set(API_FIELDS)
    assert body == policy                  # the demo entries carry nothing but draft fields
    PolicyDraft.model_validate(body)
