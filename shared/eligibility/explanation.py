"""Why an enterprise does or does not match a rule, condition by condition, in Chinese for people.

A condition is one leaf of the rule (a tag or a comparison) judged the way the rule needs it:
a leaf under an odd number of `not`s is `negated`, and it `held` when the leaf is false.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from shared.eligibility.evaluation import compare_holds, fact_value
from shared.eligibility.rules import AllOf, Compare, Not, Rule, TagNode
from shared.facts import FACTS, Kind

_OPERATOR_TEXT = {"==": "=", "!=": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤", "in": "属于"}
_CODES_OPERATOR_TEXT = {"==": "包含", "!=": "不包含", "in": "包含任一"}


@dataclass(frozen=True)
class Condition:
    path: str          # where the leaf sits in the rule, `$.all[1]`
    kind: str          # "tag" or "field"
    subject: str       # the tag code or the fact name
    op: str            # the comparison operator; "has" for a tag
    expected: Any      # the rule's value; True for a tag (the leaf asks for it)
    actual: Any        # the enterprise's value (None when missing), or whether it has the tag
    held: bool         # whether the enterprise meets the condition as the rule needs it
    text: str
    negated: bool = False

    def to_json(self) -> dict[str, Any]:
        shown = asdict(self)
        shown["expected"] = _json_ready(self.expected)
        shown["actual"] = _json_ready(self.actual)
        return shown


@dataclass(frozen=True)
class Explanation:
    matched: bool
    conditions: list[Condition]

    def to_json(self) -> dict[str, Any]:
        return {"matched": self.matched, "conditions": [condition.to_json() for condition in self.conditions]}


def explain(rule: Rule, facts: Mapping[str, Any], tags: Collection[str]) -> Explanation:
    """The rule's result and every leaf judged against this enterprise, in rule order."""
    judged = _Judgement(facts, tags)
    outcome = judged.walk(rule, "$", negated=False)
    return Explanation(matched=outcome.value, conditions=[judged.condition(leaf) for leaf in judged.leaves])


def failed_leaves(rule: Rule, facts: Mapping[str, Any], tags: Collection[str]) -> list[Condition]:
    """The fewest conditions that would have to change for the enterprise to match, in rule order.

    Empty when the rule matches. A failing `all` needs each failing child fixed; a failing `any`
    needs only its cheapest branch fixed (the first of equals); `not` asks its child to fail
    instead, so a leaf under `not` is reported when it is true. For a rule that is an `all` of
    leaves these are simply its failing leaves, and one entry means a near-miss. Also empty when
    no change of leaves could make it match (an `any` with no branches): check `evaluate` first.
    """
    judged = _Judgement(facts, tags)
    outcome = judged.walk(rule, "$", negated=False)
    if outcome.value or outcome.to_true is None:
        return []
    return [judged.condition(judged.leaves[position]) for position in outcome.to_true]


@dataclass(frozen=True, slots=True)
class _Leaf:
    node: TagNode | Compare
    path: str
    negated: bool
    value: bool


@dataclass(frozen=True, slots=True)
class _Outcome:
    value: bool
    # Positions (in _Judgement.leaves) of the fewest leaves to flip to make the node true, or
    # false; None when no flipping of leaves can.
    to_true: tuple[int, ...] | None
    to_false: tuple[int, ...] | None


class _Judgement:
    def __init__(self, facts: Mapping[str, Any], tags: Collection[str]) -> None:
        self.facts = facts
        self.tags = tags
        self.leaves: list[_Leaf] = []

    def walk(self, rule: Rule, path: str, negated: bool) -> _Outcome:
        if isinstance(rule, TagNode | Compare):
            value = rule.tag in self.tags if isinstance(rule, TagNode) else compare_holds(rule, self.facts)
            position = (len(self.leaves),)
            self.leaves.append(_Leaf(rule, path, negated, value))
            return _Outcome(value, () if value else position, position if value else ())
        if isinstance(rule, Not):
            inner = self.walk(rule.rule, f"{path}.not", not negated)
            return _Outcome(not inner.value, inner.to_false, inner.to_true)
        conjunctive = isinstance(rule, AllOf)
        key = "all" if conjunctive else "any"
        children = [self.walk(child, f"{path}.{key}[{position}]", negated)
                    for position, child in enumerate(rule.rules)]
        if conjunctive:
            return _Outcome(all(child.value for child in children),
                            _every([child.to_true for child in children]),
                            _cheapest([child.to_false for child in children]))
        return _Outcome(any(child.value for child in children),
                        _cheapest([child.to_true for child in children]),
                        _every([child.to_false for child in children]))

    def condition(self, leaf: _Leaf) -> Condition:
        held = leaf.value != leaf.negated
        verdict = "符合" if held else "不符合"
        node = leaf.node
        if isinstance(node, TagNode):
            statement = f"不具备标签 {node.tag}" if leaf.negated else f"标签 {node.tag}"
            has_it = "已具备" if leaf.value else "未具备"
            return Condition(leaf.path, "tag", node.tag, "has", True, leaf.value, held,
                             f"{statement}：{has_it}，{verdict}", leaf.negated)
        fact = FACTS[node.field]
        actual = fact_value(fact, self.facts.get(node.field))
        if isinstance(actual, set | frozenset):
            actual = sorted(actual, key=str)
        elif isinstance(actual, tuple):
            actual = list(actual)
        if fact.kind is Kind.codes:
            statement = f"{fact.label} {_CODES_OPERATOR_TEXT[node.op]} {_shown(node.value)}"
        else:
            statement = f"{fact.label} {_OPERATOR_TEXT[node.op]} {_shown(node.value)}"
        if leaf.negated:
            statement = f"并非「{statement}」"
        if actual is None:
            found = "企业无此项数据"
        elif actual == []:
            found = "企业为空"
        else:
            found = f"企业为 {_shown(actual)}"
        expected = list(node.value) if node.op == "in" else node.value
        return Condition(leaf.path, "field", node.field, node.op, expected, actual, held,
                         f"{statement}：{found}，{verdict}", leaf.negated)


def _every(parts: list[tuple[int, ...] | None]) -> tuple[int, ...] | None:
    if any(part is None for part in parts):
        return None
    return tuple(position for part in parts for position in part)


def _cheapest(parts: list[tuple[int, ...] | None]) -> tuple[int, ...] | None:
    possible = [part for part in parts if part is not None]
    return min(possible, key=len) if possible else None


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "、".join(_shown(item) for item in value) if value else "（无）"
    # Amounts in yuan are written as whole numbers where they are whole, never as 5e+07.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return format(value.to_integral_value(), "f")
    return str(value)


def _json_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, tuple | set | frozenset):
        return [_json_ready(item) for item in value]
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def describe(rule: Rule) -> str:
    """The rule in Chinese for people, without any enterprise's values (e.g. a near-miss's condition)."""
    if isinstance(rule, TagNode):
        return f"标签 {rule.tag}"
    if isinstance(rule, Compare):
        fact = FACTS[rule.field]
        operators = _CODES_OPERATOR_TEXT if fact.kind is Kind.codes else _OPERATOR_TEXT
        return f"{fact.label} {operators[rule.op]} {_shown(rule.value)}"
    if isinstance(rule, Not):
        return f"并非「{describe(rule.rule)}」"
    if not rule.rules:
        return "所有企业" if isinstance(rule, AllOf) else "（无任何条件可满足）"
    joined = "；".join(describe(child) for child in rule.rules)
    return f"同时满足（{joined}）" if isinstance(rule, AllOf) else f"满足其一（{joined}）"
