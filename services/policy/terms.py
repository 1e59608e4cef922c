"""What the application hall needs to open applications on a policy: the policy's terms and, for
each enterprise, whether it matches now, what it misses, the estimated amount and its profile for
the form. Asked once per submitted application, so its statements are built once and a policy's
rule is parsed once per version."""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.policy import policy_store, read_model
from services.policy.domain import lifecycle
from services.policy.domain.subsidy import estimate
from services.policy.models import matches
from shared import eligibility

PROFILE_FIELDS = ("name", "registered_on", "ownership", "industry_code", "county", "employees", "annual_revenue",
                  "total_assets", "rd_expense", "qualifications")  # what an application form is pre-filled with
TERMS = ("id", "title", "department", "department_name", "level", "county", "status", "version", "redeemable",
         "proactive", "subsidy", "budget", "exclusive_group", "stage_limits", "materials", "valid_to")
RULES_KEPT = 256  # parsed rules kept; past that the cache starts again

_MATCHED = select(matches.c.uscc).where(matches.c.policy_id == bindparam("p_policy"),
                                        matches.c.uscc.in_(bindparam("p_usccs", expanding=True)))
# one enterprise, the usual ask: `==` needs no IN list rendered on every execution, as expanding IN does
_MATCHED_ONE = select(matches.c.uscc).where(matches.c.policy_id == bindparam("p_policy"),
                                            matches.c.uscc == bindparam("p_uscc"))

Check = Callable[[Mapping[str, Any], Collection[str]], bool]
# (policy id, version) -> (the rule JSON it was parsed from, the rule, its compiled check). A
# revision bumps the version; the JSON is compared too, so a reused id (a database made anew
# under a running service) can never be answered with another policy's rule.
_rules: dict[tuple[int, int], tuple[Any, eligibility.Rule, Check]] = {}


def rule_of(policy: dict) -> tuple[eligibility.Rule, Check]:
    """The policy's parsed rule and `eligibility.compile_rule` of it, parsed once per policy version."""
    key = (policy["id"], policy["version"])
    cached = _rules.get(key)
    if cached is not None and cached[0] == policy["eligibility"]:
        return cached[1], cached[2]
    rule = lifecycle.stored_rule(policy["eligibility"])
    check = eligibility.compile_rule(rule)
    if len(_rules) >= RULES_KEPT:
        _rules.clear()
    _rules[key] = (policy["eligibility"], rule, check)
    return rule, check


def _read(session: Session | Connection, policy_id: int,
          usccs: list[str]) -> tuple[set[str], dict[str, read_model.Enterprise]]:
    """Which of `usccs` match the policy, and uscc -> (facts, tags, version) of those known."""
    distinct = list(dict.fromkeys(usccs))
    if len(distinct) == 1:
        uscc = distinct[0]
        found = session.execute(_MATCHED_ONE, {"p_policy": policy_id, "p_uscc": uscc}).first() is not None
        enterprise = read_model.load(session, uscc)
        return {uscc} if found else set(), {} if enterprise is None else {uscc: enterprise}
    matched = set()
    for part in read_model.chunks(distinct):
        matched.update(session.execute(_MATCHED, {"p_policy": policy_id, "p_usccs": part}).scalars())
    return matched, read_model.load_many(session, distinct)


def application_terms(session: Session | Connection, policy_id: int, usccs: list[str]) -> list[dict]:
    """One answer per entry of `usccs`, in order; NotFound for an unknown policy or enterprise."""
    policy = policy_store.get(session, policy_id)
    rule, check = rule_of(policy)
    terms = {name: policy[name] for name in TERMS}
    matched, known = _read(session, policy_id, usccs)
    answers = []
    for uscc in usccs:
        enterprise = known.get(uscc)
        if enterprise is None:
            raise read_model.unknown_enterprise(uscc)
        facts, tags, version = enterprise
        answers.append({
            "policy": terms, "uscc": uscc, "profile_version": version, "matched": uscc in matched,
            "estimated_amount": estimate(policy["subsidy"], facts, policy["budget"]) if policy["redeemable"] else None,
            # failed_leaves is empty for an enterprise the rule matches: the compiled check says so faster
            "missing": [] if check(facts, tags) else
            [condition.text for condition in eligibility.failed_leaves(rule, facts, tags)],
            "profile": {name: value for name, value in facts.items() if name in PROFILE_FIELDS}})
    return answers

