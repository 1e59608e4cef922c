"""Why an enterprise matches a policy, or what it misses: each condition of the policy's rule with
the enterprise's value and whether it held, and the estimated amount of a redeemable policy."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from services.policy.domain.combinability import combinability
from services.policy.domain.lifecycle import stored_rule
from services.policy.domain.subsidy import estimate
from shared import eligibility

Facts = Mapping[str, Any]


def matched_policies(matches: list[Mapping[str, Any]], facts: Facts, tags: Collection[str]) -> list[dict]:
    """An enterprise's matches (each a match with its policy's row, newest first) as it is shown them:
    each policy with the explanation of its match, its estimated amount, and with whom it combines."""
    items = []
    for match in matches:
        item = {"policy_id": match["id"], "title": match["title"], "department": match["department"],
                "matched_at": match["matched_at"].isoformat(), "policy_version": match["policy_version"],
                "profile_version": match["profile_version"], "redeemable": match["redeemable"],
                "proactive": match["proactive"], "valid_to": match["valid_to"],
                "explanation": eligibility.explain(stored_rule(match["eligibility"]), facts, tags).to_json()}
        if match["redeemable"]:
            item["estimated_amount"] = estimate(match["subsidy"], facts, match["budget"])
        if match["exclusive_group"]:
            item["exclusive_group"] = match["exclusive_group"]
        items.append(item)
    combining = combinability(items)
    return [{**item, **combining.get(item["policy_id"], {})} for item in items]


def explanation(policy: Mapping[str, Any], uscc: str, facts: Facts, tags: Collection[str], profile_version: int,
                match: Mapping[str, Any] | None) -> dict:
    """Each condition of the policy's rule with the enterprise's value and whether it held, the conditions
    it misses, and its match (None when it has none)."""
    rule = stored_rule(policy["eligibility"])
    answer = {"policy_id": policy["id"], "policy_version": policy["version"], "policy_status": policy["status"],
              "uscc": uscc, "profile_version": profile_version, **eligibility.explain(rule, facts, tags).to_json(),
              "missing": [condition.to_json() for condition in eligibility.failed_leaves(rule, facts, tags)],
              "match": match and {"matched_at": match["matched_at"].isoformat(),
                                  "policy_version": match["policy_version"],
                                  "profile_version": match["profile_version"]}}
    if policy["redeemable"]:
        answer["estimated_amount"] = estimate(policy["subsidy"], facts, policy["budget"])
    return answer
