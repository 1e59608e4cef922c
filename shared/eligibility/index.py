"""Which of many policies an enterprise is eligible for, without running every rule."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from shared.eligibility.evaluation import compile_rules
from shared.eligibility.rules import Rule, required_tags

Key = TypeVar("Key", bound=Hashable)


class PolicyIndex(Generic[Key]):
    """Rules by key; `matching` returns the keys whose rules an enterprise matches.

    Each rule is filed under one tag it requires (see `required_tags`), the one fewest
    enterprises have, or with the rules that require none. `matching` runs only the rules filed
    under a tag the enterprise has, plus those that require none: any other rule demands a tag
    the enterprise lacks and cannot match. The rules filed together are compiled into one
    function (`compile_rules`), rebuilt on the first `matching` after they change.

    How common a tag is comes from `tag_counts` (e.g. enterprises per tag, from the database)
    or, when that is not given, from the tags of the first `learning_calls` enterprises passed
    to `matching`, after which every rule is filed again. Only the speed depends on it, never
    the answer.
    """

    def __init__(self, *, tag_counts: Mapping[str, int] | None = None, learning_calls: int = 1000) -> None:
        self._rules: dict[Key, Rule] = {}
        self._requirements: dict[Key, frozenset[str]] = {}
        self._filed_under: dict[Key, str | None] = {}
        # None files the rules that require no tag.
        self._files: dict[str | None, dict[Key, Rule]] = {}
        self._matchers: dict[str | None, Callable[[Mapping[str, Any], Collection[str]], list[Key]]] = {}
        self._stale: set[str | None] = set()
        self._tag_counts: Counter[str] = Counter(tag_counts or {})
        self._calls_left_to_learn = 0 if tag_counts is not None else learning_calls

    def put(self, key: Key, rule: Rule) -> None:
        """Add the rule under `key`, replacing any rule already there."""
        if not isinstance(rule, Rule):
            raise TypeError(f"expected a parsed Rule, got {type(rule).__name__}")
        if key in self._rules:
            self.remove(key)
        self._rules[key] = rule
        self._requirements[key] = required_tags(rule)
        self._file(key)

    def remove(self, key: Key) -> None:
        """Drop the rule under `key`; KeyError if there is none."""
        del self._rules[key]
        self._unfile(key)
        del self._requirements[key]

    def get(self, key: Key) -> Rule | None:
        return self._rules.get(key)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, key: object) -> bool:
        return key in self._rules

    def __iter__(self) -> Iterator[Key]:
        return iter(self._rules)

    def matching(self, facts: Mapping[str, Any], tags: Collection[str]) -> set[Key]:
        """Keys of the rules that an enterprise with these facts and tags matches."""
        if tags.__class__ is not frozenset and tags.__class__ is not set:
            tags = frozenset(tags)
        if self._calls_left_to_learn:
            self._learn(tags)
        if self._stale:
            self._compile_stale()
        matchers = self._matchers
        unconditional = matchers.get(None)
        found = set(unconditional(facts, tags)) if unconditional is not None else set()
        for tag in tags:
            matcher = matchers.get(tag)
            if matcher is not None:
                found.update(matcher(facts, tags))
        return found

    def _learn(self, tags: Collection[str]) -> None:
        self._tag_counts.update(tags)
        self._calls_left_to_learn -= 1
        if not self._calls_left_to_learn:
            for key in list(self._rules):
                self._unfile(key)
                self._file(key)

    def _compile_stale(self) -> None:
        for tag in self._stale:
            rules = self._files.get(tag)
            if rules:
                self._matchers[tag] = compile_rules(rules)
            else:
                self._matchers.pop(tag, None)
        self._stale.clear()

    def _file(self, key: Key) -> None:
        requirements = self._requirements[key]
        counts = self._tag_counts
        tag = min(requirements, key=lambda code: (counts[code], code)) if requirements else None
        self._filed_under[key] = tag
        self._files.setdefault(tag, {})[key] = self._rules[key]
        self._stale.add(tag)

    def _unfile(self, key: Key) -> None:
        tag = self._filed_under.pop(key)
        filed = self._files[tag]
        del filed[key]
        if not filed:
            del self._files[tag]
        self._stale.add(tag)
