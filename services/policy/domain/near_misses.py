"""Near-misses: active enterprises that fail exactly one condition of a policy's rule.

A condition is one member of the rule's top-level `all` (a rule that is not an `all` is a single
condition, so it has no near-misses to speak of: failing it is failing the policy). Grouping
the near-misses by the condition they fail shows staff the cheapest way to widen a policy's
reach, and the list of every one of them (a page at a time, in condition then code order) is
whom to call. Here: what the conditions are and how the answer reads; `read_model.near_misses`
counts them.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from services.policy.domain.lifecycle import stored_rule
from shared import eligibility
from shared.errors import Invalid

Conditions = list[tuple[str, eligibility.Rule]]   # (path, condition) in rule order


def conditions(rule: eligibility.Rule) -> Conditions:
    """The rule's conditions with their paths: the members of a top-level `all`, else the rule itself."""
    if isinstance(rule, eligibility.AllOf):
        return [(f"$.all[{position}]", child) for position, child in enumerate(rule.rules)]
    return [("$", rule)]


def position_of(members: Conditions, condition: str | None) -> int | None:
    """The position of the condition a caller narrowed to by its path, or Invalid (422) for a path
    that is not one of the rule's conditions; None when not narrowed."""
    if condition is None:
        return None
    paths = [path for path, _member in members]
    if condition not in paths:
        rule_text = f"one of {', '.join(paths)}" if len(paths) > 1 else "none: the rule is one condition"
        raise Invalid(f"condition {condition!r} is not a condition of this policy's rule; it has {rule_text}",
                      [{"field": "condition", "message": f"must be the path of a condition: {rule_text}"}])
    return paths.index(condition)


def page(members: Conditions, counts: Mapping[int, int], rows: Iterable[tuple[str, str | None, int]], *,
         offset: int, limit: int | None, position: int | None) -> dict:
    """The answer: `counts` (position failed -> near-misses) grouped by condition, most first; `total`,
    the near-misses of the condition narrowed to, or all; `items`, the page's (uscc, name, position failed)."""
    texts = [eligibility.describe(member) for _path, member in members]
    return {
        "offset": offset, "limit": limit,
        "total": sum(counts.values()) if position is None else counts.get(position, 0),
        "conditions": sorted(({"path": path, "condition": member.to_json(), "text": texts[at], "count": counts[at]}
                              for at, (path, member) in enumerate(members) if counts.get(at)),
                             key=lambda group: -group["count"]),
        "items": [{"uscc": uscc, "name": name, "path": members[failed][0], "text": texts[failed]}
                  for uscc, name, failed in rows]}


def of_enterprise(policies: Iterable[Mapping[str, Any]], facts: Mapping[str, Any], tags: Collection[str]) -> list[dict]:
    """The enterprise's side of near-misses (还差一项): of `policies` (rows with the stored rule JSON
    in `eligibility`), those it fails by exactly one condition, in the order given, each with that
    condition (its path, rule and Chinese text) and the condition's leaves judged against the
    enterprise, so it sees which value of its own falls short. The conditions are those of
    `conditions`, so the enterprise is told what staff see of it (`read_model.near_misses`)."""
    found = []
    for policy in policies:
        members = conditions(stored_rule(policy["eligibility"]))
        if len(members) < 2:
            continue
        failing = [(path, member) for path, member in members if not eligibility.evaluate(member, facts, tags)]
        if len(failing) != 1:
            continue
        path, member = failing[0]
        judged = eligibility.explain(member, facts, tags).to_json()["conditions"]
        found.append({
            "policy_id": policy["id"], "title": policy["title"], "department": policy["department"],
            "level": policy["level"], "county": policy["county"], "redeemable": policy["redeemable"],
            "proactive": policy["proactive"], "valid_to": policy["valid_to"],
            "path": path, "condition": member.to_json(), "text": eligibility.describe(member),
            # the leaves' paths are within the condition: rooted again at its place in the rule
            "conditions": [{**leaf, "path": path + leaf["path"][1:]} for leaf in judged]})
    return found
