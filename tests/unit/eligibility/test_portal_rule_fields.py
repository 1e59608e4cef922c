"""The portal's rule builder (portal/src/rules.js) offers the facts a rule may name: the same names,
kinds and choices as shared/facts.py, so a field the platform adds or renames cannot go missing from
the menu, and the menu never offers one the platform refuses."""
from __future__ import annotations

import re
from pathlib import Path

from shared.facts import FACTS

RULES_JS = Path(__file__).resolve().parents[3] / "portal" / "src" / "rules.js"
_FIELD = re.compile(r"\{\s*name: '(?P<name>\w+)', kind: '(?P<kind>\w+)'(?P<rest>.*?)\n?\s*\},?\n", re.S)


def _fields() -> dict[str, tuple[str, str]]:
    text = RULES_JS.read_text(encoding="utf-8")
    block = text[text.index("export const FIELDS"):text.index("const FIELD_BY_NAME")]
    return {match["name"]: (match["kind"], match["rest"]) for match in _FIELD.finditer(block)}


def test_the_builder_offers_every_fact_and_only_those() -> None:
    assert list(_fields()) == list(FACTS)


def test_each_field_has_the_fact_kind_and_choices() -> None:
    for name, (kind, rest) in _fields().items():
        fact = FACTS[name]
        assert kind == fact.kind.value, name
        offered = re.findall(r"(\w+): '", rest.split("choices:", 1)[1]) if "choices:" in rest else []
        assert sorted(offered) == sorted(fact.choices), name
        assert ("derived: true" in rest) == fact.derived, name
