"""Eligibility rules (contract section 3): who a policy is for, as a small JSON language.

Pure: no services, no bus, no database session. `parse` validates rule JSON into a tree;
`evaluate`, `compile_rule` and `PolicyIndex` decide matches in Python; `explain` and
`failed_leaves` say why; `to_sql` asks the same question of the database.
"""
from shared.eligibility.evaluation import Check, compile_rule, compile_rules, evaluate, fact_value
from shared.eligibility.explanation import Condition, Explanation, describe, explain, failed_leaves
from shared.eligibility.index import PolicyIndex
from shared.eligibility.rules import (
    MATCH_EVERYTHING,
    MAX_DEPTH,
    OPERATORS,
    AllOf,
    AnyOf,
    Compare,
    Not,
    Rule,
    RuleError,
    TagNode,
    fields_used,
    leaves,
    parse,
    required_tags,
    tags_used,
)
from shared.eligibility.sql import to_sql

__all__ = [
    "MATCH_EVERYTHING", "MAX_DEPTH", "OPERATORS",
    "AllOf", "AnyOf", "Check", "Compare", "Condition", "Explanation", "Not", "PolicyIndex", "Rule",
    "RuleError", "TagNode",
    "compile_rule", "compile_rules", "describe", "evaluate", "explain", "fact_value", "failed_leaves",
    "fields_used", "leaves", "parse", "required_tags", "tags_used", "to_sql",
]
