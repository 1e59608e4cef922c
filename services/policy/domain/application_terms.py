"""What the application hall needs to open applications on a policy: the policy's terms and, for
each enterprise, whether it matches now, what it misses, the estimated amount and its profile for
the form. Asked once per submitted application, so a policy's rule is parsed once per version."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from services.policy.domain.lifecycle import stored_rule
from services.policy.domain.subsidy import estimate
from shared import eligibility

PROFILE_FIELDS = ("name", "registered_on", "ownership", "industry_code", "county", "employees", "annual_revenue",
                  "total_assets", "rd_expense", "qualifications")  # what an application form is pre-filled with
TERMS = ("id", "title", "department", "department_name", "level", "county", "status", "version", "redeemable",
         "proactive", "subsidy", "budget", "exclusive_group", "stage_limits", "materials", "valid_to")
RULES_KEPT = 256  # parsed rules kept; past that the cache starts again

Check = Callable[[Mapping[str, Any], Collection[str]], bool]
Enterprise = tuple[dict[str, Any], set[str], int]  # facts, tags, profile version
# (policy id, version) -> (the rule JSON it was parsed from, the rule, its compiled check). A
# revision bumps the version; the JSON is compared too, so a reused id (a database made anew
# under a running service) can never be answered with another policy's rule.
_rules: dict[tuple[int, int], tuple[Any, eligibility.Rule, Check]] = {}


def rule_of(policy: Mapping[str, Any]) -> tuple[eligibility.Rule, Check]:
    """The policy's parsed rule and `eligibility.compile_rule` of it, parsed once per policy version."""
    key = (policy["id"], policy["version"])
    cached = _rules.get(key)
    if cached is not None and cached[0] == policy["eligibility"]:
        return cached[1], cached[2]
    rule = stored_rule(policy["eligibility"])
    check = eligibility.compile_rule(rule)
    if len(_rules) >= RULES_KEPT:
        _rules.clear()
    _rules[key] = (policy["eligibility"], rule, check)
    return rule, check


def answers(policy: Mapping[str, Any], usccs: list[str], matched: Collection[str],
                      enterprises: Mapping[str, Enterprise]) -> list[dict]:
    """One answer per entry of `usccs`, in order: `matched` are those matching the policy now,
    `enterprises` holds each one's facts, tags and profile version."""
    rule, check = rule_of(policy)
    terms = {name: policy[name] for name in TERMS}
    answers = []
    for uscc in usccs:
        facts, tags, version = enterprises[uscc]
        answers.append({
            "policy": terms, "uscc": uscc, "profile_version": version, "matched": uscc in matched,
            "estimated_amount": estimate(policy["subsidy"], facts, policy["budget"]) if policy["redeemable"] else None,
            # failed_leaves is empty for an enterprise the rule matches: the compiled check says so faster
            "missing": [] if check(facts, tags) else
            [condition.text for condition in eligibility.failed_leaves(rule, facts, tags)],
            "profile": {name: value for name, value in facts.items() if name in PROFILE_FIELDS}})
    return answers
