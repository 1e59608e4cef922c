"""demo.synthetic: many distinct benchmark rules whose selectivity is known and stays in 0.5%-10%."""
from __future__ import annotations

import json

import pytest

from demo import api_body
from demo.synthetic import HIGHEST, LOWEST, synthetic_policies
from shared import eligibility
from shared.contracts.policies import PolicyDraft
from tests.unit.demo.support import SyntheticEntry, known_tags, matches, tagged

# 200 rules, each measured against a sample of 20,000 enterprises: seconds of CPU (make test runs it)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def policies() -> list[dict]:
    return synthetic_policies(200)


def test_same_seed_same_policies(policies):
    assert synthetic_policies(200) == policies
    assert synthetic_policies(50) == policies[:50]
    assert synthetic_policies(50, seed=12) != policies[:50]


def test_entries_have_the_policy_shape_and_distinct_rules(policies):
    for policy in policies:
        SyntheticEntry.model_validate(policy)
        assert LOWEST <= policy["expected_selectivity"] <= HIGHEST
        rule = eligibility.parse(policy["eligibility"], known_tags())
        assert eligibility.tags_used(rule) and eligibility.fields_used(rule)
    rules = {json.dumps(policy["eligibility"], sort_keys=True) for policy in policies}
    assert len(rules) == len(policies)


def test_api_body_drops_the_expectations_and_is_a_valid_policy_draft(policies):
    for policy in policies[:50]:
        body = api_body(policy)
        assert "expected_selectivity" not in body and "expected_matches" not in body
        PolicyDraft.model_validate(body)


def test_rules_come_in_varied_shapes(policies):
    texts = [json.dumps(policy["eligibility"]) for policy in policies]
    assert any('"any"' in text for text in texts)
    assert any('"not"' in text for text in texts)
    assert any('"op": "in"' in text for text in texts)
    assert any('"op": "<"' in text and '"op": ">="' not in text for text in texts)
    assert any(text.count('"op": ">="') == 2 for text in texts)
    assert any('"op": "<"' in text and '"op": ">="' in text for text in texts)
    for prefix in ("county.", "industry.", "scale."):
        assert any(f'"tag": "{prefix}' in text for text in texts)
    fields = {field for policy in policies
              for field in eligibility.fields_used(eligibility.parse(policy["eligibility"], None))}
    assert {"employees", "annual_revenue", "total_assets", "rd_expense"} <= fields


def test_each_matches_half_a_percent_to_ten_percent_of_a_20_000_sample(policies):
    """The platform's own tagging and rule evaluator, on the first 20,000 of generate(100_000)."""
    rows = tagged(20_000)
    for policy in policies:
        share = matches(policy["eligibility"], rows) / len(rows)
        assert 0.005 <= share <= 0.10, f"{policy['title']}: {share:.2%} (expected {policy['expected_selectivity']:.2%})"


def test_expected_matches_are_what_the_platform_computes():
    """Built on a population of 5,000, the expected counts equal the evaluator's counts exactly."""
    rows = tagged(5_000)
    for policy in synthetic_policies(60, seed=3, enterprises=5_000):
        assert matches(policy["eligibility"], rows) == policy["expected_matches"], policy["eligibility"]
        assert policy["expected_selectivity"] == pytest.approx(policy["expected_matches"] / 5_000, abs=1e-6)
