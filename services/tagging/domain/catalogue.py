"""The tag catalogue (contract section 2): tags as data, each with a rule over facts, and tag assignment.

A tag's rule is written in the eligibility rule language (shared.eligibility) over the facts of
shared.facts, derived ones included, never over other tags. Every rule is parsed and compiled once,
when the catalogue is built; `assign` then only calls the compiled predicates.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from shared import eligibility

CODE = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z0-9][a-z0-9_]*)$")
CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_RESOURCE = ("services.tagging.catalogue", "default.json")
NO_TAGS: frozenset[str] = frozenset()   # tag rules name no tags


class CatalogueError(ValueError):
    """The catalogue breaks a rule; the message names the tag and the rule."""


@dataclass(frozen=True)
class Category:
    code: str
    name: str


@dataclass(frozen=True)
class Tag:
    code: str
    category: str
    name: str
    description: str
    rule: Mapping[str, Any]

    @property
    def value(self) -> str:
        return self.code.split(".", 1)[1]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "category": self.category, "name": self.name,
                "description": self.description, "rule": self.rule}


@dataclass(frozen=True)
class _Compiled:
    code: str
    rule: Mapping[str, Any]
    predicate: eligibility.Check
    fields: tuple[str, ...]


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: `{key}` must be a non-empty string")
    return value


# What `GET /api/v1/tags` shows of a tag that a change (PUT) cannot alter. A client may send the
# representation it read back with its edits, so each is accepted when it says what is already
# so and refused only when it asks for a change.
FIXED_ON_CHANGE = {
    "code": "a tag cannot be renamed: its code is the one in the path ({current}); "
            "create the new tag and retire this one",
    "category": "a tag's category is part of its code and cannot change: it stays {current}",
    "state": "a tag's state cannot be set: it is {current}; DELETE retires a tag",
    "origin": "read-only: a tag's origin is {current}",
}


def fixed_field_changes(current: Mapping[str, Any], given: Mapping[str, Any]) -> list[dict[str, str]]:
    """A field error for each field of FIXED_ON_CHANGE that `given` sets to other than `current`'s value;
    a field `given` leaves out, or sets to None, changes nothing."""
    return [{"field": name, "message": rule.format(current=current[name])}
            for name, rule in FIXED_ON_CHANGE.items()
            if given.get(name) is not None and given[name] != current[name]]


def check_tag(tag: Tag, categories: Iterable[str]) -> tuple[Any, tuple[str, ...]]:
    """Validate one tag against the catalogue rules; return its parsed rule and the fields it uses."""
    match = CODE.match(tag.code)
    if match is None:
        raise CatalogueError(f"tag {tag.code!r}: code must be `<category>.<value>`, lowercase letters, digits and _")
    if match.group(1) != tag.category:
        raise CatalogueError(f"tag {tag.code!r}: code must start with its category {tag.category!r}")
    if tag.category not in set(categories):
        raise CatalogueError(f"tag {tag.code!r}: unknown category {tag.category!r}")
    if not isinstance(tag.rule, Mapping):
        raise CatalogueError(f"tag {tag.code!r}: rule must be a JSON object")
    try:
        parsed = eligibility.parse(tag.rule, NO_TAGS)
    except eligibility.RuleError as error:   # it names the node: `$.all[1].value: ...`
        raise CatalogueError(f"tag {tag.code!r}: rule refused: {error}") from error
    return parsed, tuple(sorted(eligibility.fields_used(parsed)))


class Catalogue:
    """An ordered, validated set of tags with their rules compiled."""

    def __init__(self, categories: Iterable[Category], tags: Iterable[Tag]):
        self.categories: tuple[Category, ...] = tuple(categories)
        self.tags: tuple[Tag, ...] = tuple(tags)
        category_codes = [category.code for category in self.categories]
        for category in self.categories:
            if not CATEGORY.match(category.code) or not category.name.strip():
                raise CatalogueError(f"category {category.code!r}: code must be lowercase and name non-empty")
        if len(set(category_codes)) != len(category_codes):
            raise CatalogueError("category codes must be unique")
        seen: set[str] = set()
        compiled = []
        for tag in self.tags:
            if tag.code in seen:
                raise CatalogueError(f"tag {tag.code!r}: code appears twice")
            seen.add(tag.code)
            parsed, fields = check_tag(tag, category_codes)
            compiled.append(_Compiled(tag.code, tag.rule, eligibility.compile_rule(parsed), fields))
        self._compiled: tuple[_Compiled, ...] = tuple(compiled)
        self._by_code = {tag.code: tag for tag in self.tags}

    # construction ---------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalogue:
        """Build from the JSON shape of default.json: {"categories": [...], "tags": [...]}."""
        if not isinstance(data, Mapping):
            raise CatalogueError("a catalogue is a JSON object with `categories` and `tags`")
        for key in ("categories", "tags"):
            if not isinstance(data.get(key), list):
                raise CatalogueError(f"`{key}` must be a list")
        categories = []
        for index, entry in enumerate(data["categories"]):
            where = f"categories[{index}]"
            if not isinstance(entry, Mapping):
                raise CatalogueError(f"{where}: must be a JSON object")
            categories.append(Category(_text(entry, "code", where), _text(entry, "name", where)))
        tags = []
        for index, entry in enumerate(data["tags"]):
            if not isinstance(entry, Mapping):
                raise CatalogueError(f"tags[{index}]: must be a JSON object")
            where = f"tags[{index}] ({entry.get('code')!r})"
            extra = set(entry) - {"code", "category", "name", "description", "rule"}
            if extra:
                raise CatalogueError(f"{where}: unknown keys {sorted(extra)}")
            tags.append(Tag(code=_text(entry, "code", where), category=_text(entry, "category", where),
                            name=_text(entry, "name", where), description=_text(entry, "description", where),
                            rule=entry.get("rule")))  # type: ignore[arg-type]
        return cls(categories, tags)

    def to_dict(self) -> dict[str, Any]:
        return {"categories": [{"code": c.code, "name": c.name} for c in self.categories],
                "tags": [tag.to_dict() for tag in self.tags]}

    def with_tag(self, tag: Tag) -> Catalogue:
        """A new catalogue with `tag` added, or replacing the tag of the same code in place."""
        if tag.code in self._by_code:
            tags = [tag if existing.code == tag.code else existing for existing in self.tags]
        else:
            tags = [*self.tags, tag]
        return Catalogue(self.categories, tags)

    def without(self, code: str) -> Catalogue:
        """A new catalogue without the tag `code` (KeyError when it has none)."""
        if code not in self._by_code:
            raise KeyError(code)
        return Catalogue(self.categories, [tag for tag in self.tags if tag.code != code])

    # reading --------------------------------------------------------------------------------
    def codes(self) -> tuple[str, ...]:
        return tuple(tag.code for tag in self.tags)

    def get(self, code: str) -> Tag:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self.tags)

    # assignment -----------------------------------------------------------------------------
    def assign(self, facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """Tag code -> evidence {"rule", "values": {field: value the rule read}} for each tag `facts` earn.

        `facts` is a derived profile (services.tagging.domain.derived.derive). A deregistered
        enterprise earns no tag. The evidence's `rule` is the catalogue's own object: read only.
        """
        if facts.get("status") == "deregistered":
            return {}
        earned: dict[str, dict[str, Any]] = {}
        for tag in self._compiled:
            if tag.predicate(facts, NO_TAGS):
                earned[tag.code] = {"rule": tag.rule,
                                    "values": {name: facts[name] for name in tag.fields if name in facts}}
        return earned


def load(text: str) -> Catalogue:
    """A catalogue from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(f"not JSON: {error}") from error
    return Catalogue.from_dict(data)


@lru_cache(maxsize=1)
def load_default() -> Catalogue:
    """The default catalogue, services/tagging/catalogue/default.json (built once; it is immutable)."""
    package, name = DEFAULT_RESOURCE
    return load(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


__all__ = ["Catalogue", "CatalogueError", "Category", "Tag", "check_tag", "load", "load_default"]
