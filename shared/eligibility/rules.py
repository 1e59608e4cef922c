"""The rule tree, and `parse`, the only door from rule JSON (contract section 3) into it.

A rule that got through `parse` names only known facts and tags and holds values of the right
kind for each fact, so evaluation, explanation and SQL translation never have to check again.
"""
from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from shared.facts import FACTS, Fact, Kind

MAX_DEPTH = 32
ORDERING = (">", ">=", "<", "<=")
OPERATORS = ("==", "!=", *ORDERING, "in")
# Past 2**53 an integer has no exact float twin, so Python, SQLite and PostgreSQL would start to
# disagree about comparisons between integer and float facts.
LARGEST_INTEGER = 2**53

_NODE_SHAPES = "a rule node is one of {tag}, {field, op, value}, {all: [...]}, {any: [...]}, {not: {...}}"
_COMPARE_KEYS = frozenset({"field", "op", "value"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RuleError(ValueError):
    """A rule was refused. `path` is where (JSONPath-like, `$.all[1].value`), `message` is why."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class Rule:
    """A parsed rule node. Nodes are frozen and compare by value, so rules can be dict keys."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class TagNode(Rule):
    tag: str

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag}


@dataclass(frozen=True, slots=True)
class Compare(Rule):
    field: str
    op: str
    value: Any  # a number or string; for `in`, a tuple of them

    @property
    def fact(self) -> Fact:
        return FACTS[self.field]

    def to_json(self) -> dict[str, Any]:
        value = list(self.value) if self.op == "in" else self.value
        return {"field": self.field, "op": self.op, "value": value}


@dataclass(frozen=True, slots=True)
class AllOf(Rule):
    rules: tuple[Rule, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"all": [rule.to_json() for rule in self.rules]}


@dataclass(frozen=True, slots=True)
class AnyOf(Rule):
    rules: tuple[Rule, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"any": [rule.to_json() for rule in self.rules]}


@dataclass(frozen=True, slots=True)
class Not(Rule):
    rule: Rule

    def to_json(self) -> dict[str, Any]:
        return {"not": self.rule.to_json()}


MATCH_EVERYTHING = AllOf(())

KnownTags = Collection[str] | Callable[[str], bool] | None


def parse(rule_json: Any, known_tags: KnownTags) -> Rule:
    """Validate rule JSON and build its tree, or raise RuleError naming the first bad node.

    `known_tags` is the set of tag codes a rule may name, or a predicate over codes. None skips
    the tag check; it is for reloading rules that were checked when they were saved, so a tag
    retired since does not make a stored policy unreadable.
    """
    if known_tags is None:
        is_known_tag: Callable[[str], bool] = _any_tag
    elif callable(known_tags):
        is_known_tag = known_tags
    else:
        is_known_tag = frozenset(known_tags).__contains__
    return _parse_node(rule_json, "$", 1, is_known_tag)


def _any_tag(code: str) -> bool:
    return True


def _parse_node(node: Any, path: str, depth: int, is_known_tag: Callable[[str], bool]) -> Rule:
    if depth > MAX_DEPTH:
        raise RuleError(path, f"rule nests deeper than {MAX_DEPTH} levels")
    if not isinstance(node, Mapping):
        raise RuleError(path, f"expected a rule object, got {_json_type(node)}; {_NODE_SHAPES}")
    if not node:
        return MATCH_EVERYTHING
    keys = set(node)
    for key in node:
        if key not in _COMPARE_KEYS and key not in ("tag", "all", "any", "not"):
            raise RuleError(_child_path(path, key), f"unknown key {key!r}; {_NODE_SHAPES}")
    shapes = [shape for shape in ("tag", "field", "all", "any", "not") if shape in keys]
    if keys & _COMPARE_KEYS and "field" not in shapes:
        shapes.insert(0, "field")
    if len(shapes) > 1:
        mixed = ", ".join(sorted(keys))
        raise RuleError(path, f"a node must be exactly one kind of rule, this one mixes keys {mixed}; "
                              f"{_NODE_SHAPES}")
    shape = shapes[0]

    if shape == "tag":
        code = node["tag"]
        if not isinstance(code, str) or not code:
            raise RuleError(f"{path}.tag", f"a tag code is a non-empty string, got {_json_type(code)}")
        if not is_known_tag(code):
            raise RuleError(f"{path}.tag", f"unknown tag {code!r}")
        return TagNode(code)

    if shape == "field":
        for key in ("field", "op", "value"):
            if key not in keys:
                raise RuleError(path, f"a comparison needs field, op and value; {key!r} is missing")
        return _parse_compare(node, path)

    if shape == "not":
        inner = node["not"]
        if not isinstance(inner, Mapping):
            raise RuleError(f"{path}.not", f"'not' takes one rule object, got {_json_type(inner)}")
        return Not(_parse_node(inner, f"{path}.not", depth + 1, is_known_tag))

    children = node[shape]
    if not isinstance(children, list | tuple):
        raise RuleError(f"{path}.{shape}", f"{shape!r} takes a list of rules, got {_json_type(children)}")
    rules = tuple(_parse_node(child, f"{path}.{shape}[{position}]", depth + 1, is_known_tag)
                  for position, child in enumerate(children))
    return AllOf(rules) if shape == "all" else AnyOf(rules)


def _parse_compare(node: Mapping[str, Any], path: str) -> Compare:
    name, op, value = node["field"], node["op"], node["value"]
    if not isinstance(name, str) or name not in FACTS:
        shown = repr(name) if isinstance(name, str) else _json_type(name)
        raise RuleError(f"{path}.field", f"unknown field {shown}; known fields: {', '.join(FACTS)}")
    fact = FACTS[name]
    if not isinstance(op, str) or op not in OPERATORS:
        shown = repr(op) if isinstance(op, str) else _json_type(op)
        raise RuleError(f"{path}.op", f"unknown operator {shown}; operators: {', '.join(OPERATORS)}")
    if fact.kind is Kind.codes and op in ORDERING:
        raise RuleError(f"{path}.op", f"{name} is a list of codes: use == (has), != (has not) "
                                      f"or in (has any of), not {op}")
    if op != "in":
        return Compare(name, op, _checked_value(fact, value, f"{path}.value"))
    if not isinstance(value, list | tuple):
        raise RuleError(f"{path}.value", f"'in' takes a list of values, got {_json_type(value)}")
    if not value:
        raise RuleError(f"{path}.value", "'in' needs at least one value")
    return Compare(name, op, tuple(_checked_value(fact, item, f"{path}.value[{position}]")
                                   for position, item in enumerate(value)))


def _checked_value(fact: Fact, value: Any, path: str) -> Any:
    if fact.kind is Kind.number:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RuleError(path, f"{fact.name} is a number, got {_json_type(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise RuleError(path, f"{fact.name} needs a finite number, got {value}")
        if isinstance(value, int) and abs(value) > LARGEST_INTEGER:
            raise RuleError(path, f"{value} is out of range; numbers are limited to ±2**53")
        return value
    if not isinstance(value, str):
        wanted = {Kind.string: "a string", Kind.date: "a date YYYY-MM-DD", Kind.codes: "a code"}[fact.kind]
        raise RuleError(path, f"{fact.name} takes {wanted}, got {_json_type(value)}")
    if fact.kind is Kind.date and not _is_iso_date(value):
        raise RuleError(path, f"{fact.name} takes a date YYYY-MM-DD, got {value!r}")
    if fact.kind is Kind.codes and not value:
        raise RuleError(path, f"{fact.name} takes a non-empty code")
    if fact.choices and value not in fact.choices:
        raise RuleError(path, f"{value!r} is not a value of {fact.name}; choices: {', '.join(fact.choices)}")
    return value


def _is_iso_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}"
    shown = json.dumps(key, ensure_ascii=False) if isinstance(key, str) else repr(key)
    return f"{path}[{shown}]"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def tags_used(rule: Rule) -> frozenset[str]:
    """Every tag code the rule names, whatever it says about it."""
    return frozenset(leaf.tag for leaf in leaves(rule) if isinstance(leaf, TagNode))


def fields_used(rule: Rule) -> frozenset[str]:
    """Every fact name the rule compares."""
    return frozenset(leaf.field for leaf in leaves(rule) if isinstance(leaf, Compare))


def leaves(rule: Rule) -> list[TagNode | Compare]:
    """The tag and comparison nodes, in rule order."""
    found: list[TagNode | Compare] = []
    pending: list[Rule] = [rule]
    while pending:
        node = pending.pop()
        if isinstance(node, TagNode | Compare):
            found.append(node)
        elif isinstance(node, Not):
            pending.append(node.rule)
        else:
            pending.extend(reversed(node.rules))
    return found


def required_tags(rule: Rule) -> frozenset[str]:
    """Tags every enterprise the rule matches must have, so a pre-filter may skip those without.

    Sound, not complete: a tag is listed only if no matching enterprise can lack it. Negation is
    followed through (`not` flips what a subtree demands), so `not(not(tag))` still requires it.
    """
    return _required(rule, positive=True)


def _required(rule: Rule, positive: bool) -> frozenset[str]:
    if isinstance(rule, TagNode):
        return frozenset((rule.tag,)) if positive else frozenset()
    if isinstance(rule, Compare):
        return frozenset()
    if isinstance(rule, Not):
        return _required(rule.rule, not positive)
    # Under negation `all` reads as `any` of negated children and `any` as `all` of them.
    conjunctive = isinstance(rule, AllOf) == positive
    parts = [_required(child, positive) for child in rule.rules]
    if conjunctive:
        return frozenset().union(*parts)
    # A disjunction with no branches never matches; demanding nothing of it is still sound.
    return frozenset.intersection(*parts) if parts else frozenset()
