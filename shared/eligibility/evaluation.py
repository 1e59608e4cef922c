"""Deciding whether an enterprise matches a rule: `evaluate` reads the tree, `compile_rule` turns
it into one Python function for the hot loop. Both give the same answer for every input.

Facts are the enterprise's profile and derived values keyed by fact name (shared.facts). A
comparison whose fact is absent, None, or not of the fact's kind is False for every operator,
`!=` included, so each leaf is plainly true or false and `not` is an ordinary negation.
"""
from __future__ import annotations

import datetime
import hashlib
import operator
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from shared.eligibility.rules import AllOf, AnyOf, Compare, Not, Rule, TagNode
from shared.facts import FACTS, Fact, Kind

Key = TypeVar("Key")
Check = Callable[[Mapping[str, Any], Collection[str]], bool]

# Exact classes, not isinstance: bool is an int subclass but never a number here, and an exact
# class test is what the compiled functions can afford on every call.
NUMBER_TYPES = frozenset({int, float, Decimal})
CODE_CONTAINERS = frozenset({list, tuple, set, frozenset})

_ORDERING = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
             "==": operator.eq, "!=": operator.ne}


def fact_value(fact: Fact, raw: Any) -> Any:
    """The value `raw` as rules see it for `fact`, or None when it counts as missing.

    Numbers may be int, float or Decimal (NaN counts as missing); dates ISO strings or
    datetime.date (compared as ISO text, which orders like dates); codes a list, tuple or set.
    """
    kind = fact.kind
    cls = raw.__class__
    if kind is Kind.number:
        return raw if cls in NUMBER_TYPES and raw == raw else None
    if kind is Kind.string:
        return raw if cls is str else None
    if kind is Kind.date:
        if cls is str:
            return raw
        return raw.isoformat() if cls is datetime.date else None
    return raw if cls in CODE_CONTAINERS else None


def compare_holds(node: Compare, facts: Mapping[str, Any]) -> bool:
    fact = FACTS[node.field]
    actual = fact_value(fact, facts.get(node.field))
    if actual is None:
        return False
    if fact.kind is Kind.codes:
        if node.op == "==":
            return node.value in actual
        if node.op == "!=":
            return node.value not in actual
        return not frozenset(node.value).isdisjoint(actual)
    if node.op == "in":
        return actual in frozenset(node.value)
    return _ORDERING[node.op](actual, node.value)


def evaluate(rule: Rule, facts: Mapping[str, Any], tags: Collection[str]) -> bool:
    """Whether an enterprise with these facts and tags matches the rule (`tags` is best a set)."""
    if isinstance(rule, TagNode):
        return rule.tag in tags
    if isinstance(rule, Compare):
        return compare_holds(rule, facts)
    if isinstance(rule, Not):
        return not evaluate(rule.rule, facts, tags)
    if isinstance(rule, AllOf):
        return all(evaluate(child, facts, tags) for child in rule.rules)
    if isinstance(rule, AnyOf):
        return any(evaluate(child, facts, tags) for child in rule.rules)
    raise TypeError(f"not a rule node: {rule!r}")


def compile_rule(rule: Rule) -> Check:
    """One Python function `check(facts, tags) -> bool` that answers exactly as `evaluate`.

    The rule becomes a single boolean expression, so a call costs one function call and the
    short-circuiting comparisons, with no walking of the tree and no per-node dispatch. Rule
    values enter the generated code as named constants, never as source text.
    """
    source = _Source(hoisted=False)
    expression = source.expression(rule)
    return source.function("check", f"def check(facts, tags):\n    return {expression}\n")


def compile_rules(rules: Mapping[Key, Rule]) -> Callable[[Mapping[str, Any], Collection[str]], list[Key]]:
    """One function `matching(facts, tags) -> [key, ...]` that tests many rules in one call.

    Each fact the rules name is fetched and type-tested once per call, not once per comparison;
    the keys come back in the order of `rules`, each where `evaluate` would say it matches.
    """
    source = _Source(hoisted=True)
    tests = [f"    if {source.expression(rule)}:\n        add({source.constant(key)})\n"
             for key, rule in rules.items()]
    code = ("def matching(facts, tags):\n    get = facts.get\n" + "".join(source.fetches)
            + "    found = []\n    add = found.append\n" + "".join(tests) + "    return found\n")
    return source.function("matching", code)


# When a fact's value counts as present, as `fact_value` decides it: `{fetched}` is where the
# value is first read, `{x}` the name it is known by afterwards (dates are rebound to ISO text).
_PRESENT = {
    Kind.number: "{fetched}.__class__ in NUMBER_TYPES and {x} == {x}",
    Kind.string: "{fetched}.__class__ is str",
    Kind.date: "({fetched}.__class__ is str or {x}.__class__ is date and ({x} := {x}.isoformat()) is not None)",
    Kind.codes: "{fetched}.__class__ in CODE_CONTAINERS",
}


class _Source:
    """Writes the expression for a rule and collects the constants it refers to.

    Inline, a comparison fetches its fact itself (so short-circuiting skips the fetch); hoisted,
    each fact is fetched and normalised once into a local at the top of the function, for
    functions that test many rules.
    """

    def __init__(self, hoisted: bool) -> None:
        self.hoisted = hoisted
        self.constants: dict[str, Any] = {
            "NUMBER_TYPES": NUMBER_TYPES, "CODE_CONTAINERS": CODE_CONTAINERS, "date": datetime.date,
        }
        self.fetches: list[str] = []
        self._locals: dict[str, str] = {}

    def constant(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def function(self, name: str, code: str) -> Any:
        digest = hashlib.sha1(code.encode()).hexdigest()[:12]
        namespace = dict(self.constants)
        exec(compile(code, f"<eligibility {name} {digest}>", "exec"), namespace)
        function = namespace[name]
        function.__qualname__ = function.__name__ = f"eligibility_{name}_{digest}"
        return function

    def expression(self, rule: Rule) -> str:
        if isinstance(rule, TagNode):
            return f"({self.constant(rule.tag)} in tags)"
        if isinstance(rule, Compare):
            return self.comparison(rule)
        if isinstance(rule, Not):
            return f"(not {self.expression(rule.rule)})"
        joiner = " and " if isinstance(rule, AllOf) else " or "
        if not rule.rules:
            return "True" if isinstance(rule, AllOf) else "False"
        # Children are independent and side-effect free, so testing tags (a set lookup) before
        # comparisons (a mapping lookup and a type test) changes only the cost.
        children = sorted(rule.rules, key=_cost)
        return "(" + joiner.join(self.expression(child) for child in children) + ")"

    def comparison(self, node: Compare) -> str:
        kind = FACTS[node.field].kind
        if self.hoisted:
            value = self.local(node.field)
            present = f"{value} is not None"
        else:
            value = "x"
            fetch = f"(x := facts.get({self.constant(node.field)}))"
            present = _PRESENT[kind].format(fetched=fetch, x=value)

        if kind is Kind.codes:
            if node.op == "in":
                test = f"not {self.constant(frozenset(node.value))}.isdisjoint({value})"
            else:
                test = f"{self.constant(node.value)} {'in' if node.op == '==' else 'not in'} {value}"
        elif node.op == "in":
            test = f"{value} in {self.constant(frozenset(node.value))}"
        else:
            test = f"{value} {node.op} {self.constant(node.value)}"
        return f"({present} and {test})"

    def local(self, field: str) -> str:
        if field not in self._locals:
            name = self._locals[field] = f"f{len(self._locals)}"
            present = _PRESENT[FACTS[field].kind].format(fetched=name, x=name)
            self.fetches.append(f"    {name} = get({self.constant(field)})\n"
                                f"    if not ({present}):\n        {name} = None\n")
        return self._locals[field]


def _cost(rule: Rule) -> int:
    if isinstance(rule, TagNode):
        return 0
    return 1 if isinstance(rule, Compare) else 2
