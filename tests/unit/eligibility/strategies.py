"""Hypothesis strategies: random valid rules, and random enterprises (facts and tags) for them.

Values come from small pools shared by rules and facts, so comparisons land on, just above and
just below each other often enough to matter.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from shared.facts import FACTS, Kind

TAGS = ("scale.small", "scale.micro", "county.371602", "industry.c", "qualification.tech_sme", "age.startup")
NUMBERS = (-3, 0, 1, 9, 10, 11, 0.05, 10.5, 100, 1e7, 2**40)
TEXTS = ("", "C", "C30", "C3011", "I6510", "c", "a b", "Z", "企业甲", "é")
DATES = ("1999-01-01", "2019-12-31", "2020-01-01", "2020-02-29", "2021-06-15")
CODES = ("high_tech_enterprise", "tech_sme", "gazelle", "financing")
OPERATORS_BY_KIND = {
    Kind.number: ("==", "!=", ">", ">=", "<", "<=", "in"),
    Kind.string: ("==", "!=", ">", ">=", "<", "<=", "in"),
    Kind.date: ("==", "!=", ">", ">=", "<", "<=", "in"),
    Kind.codes: ("==", "!=", "in"),
}


def pool(name: str) -> tuple[Any, ...]:
    fact = FACTS[name]
    if fact.choices:
        return fact.choices
    return {Kind.number: NUMBERS, Kind.string: TEXTS, Kind.date: DATES, Kind.codes: CODES}[fact.kind]


@st.composite
def comparisons(draw: st.DrawFn, fields: tuple[str, ...] = tuple(FACTS)) -> dict[str, Any]:
    name = draw(st.sampled_from(fields))
    op = draw(st.sampled_from(OPERATORS_BY_KIND[FACTS[name].kind]))
    values = st.sampled_from(pool(name))
    value = draw(st.lists(values, min_size=1, max_size=3)) if op == "in" else draw(values)
    return {"field": name, "op": op, "value": value}


def rules(fields: tuple[str, ...] = tuple(FACTS), max_leaves: int = 10) -> st.SearchStrategy[dict[str, Any]]:
    """Rule JSON that `parse` accepts with TAGS as the known tags."""
    leaves = st.one_of(st.builds(lambda tag: {"tag": tag}, st.sampled_from(TAGS)), comparisons(fields))
    return st.recursive(
        st.one_of(leaves, st.just({})),
        lambda children: st.one_of(
            st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=4)),
            st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=4)),
            st.builds(lambda child: {"not": child}, children),
            st.sampled_from([{"all": []}, {"any": []}]),
        ),
        max_leaves=max_leaves,
    )


_MISSING = object()


def _well_typed(name: str) -> st.SearchStrategy[Any]:
    fact = FACTS[name]
    if fact.kind is Kind.codes:
        return st.lists(st.sampled_from(CODES), max_size=3, unique=True)
    if fact.kind is Kind.number and name == "employees":
        return st.sampled_from([value for value in NUMBERS if isinstance(value, int)])
    return st.sampled_from(pool(name))


def odd_values(name: str) -> list[Any]:
    """Values of the wrong kind, or of a kind rules accept in more than one form."""
    kind = FACTS[name].kind
    shared = [True, "12", ["tech_sme"]]
    by_kind = {
        Kind.number: [Decimal("10"), Decimal("10.5"), Decimal("NaN"), float("nan"), float("inf"), 10.0, 12],
        Kind.string: [b"C", "C30 ", 12, {"tech_sme": 1}],
        Kind.date: [datetime.date(2020, 1, 1), datetime.date(2019, 12, 31),
                    datetime.datetime(2020, 1, 1, 8, 0), "2020-01-01T00:00:00"],
        Kind.codes: [("tech_sme",), frozenset({"gazelle", "financing"}), {"tech_sme"}, "tech_sme"],
    }[kind]
    return shared + by_kind


def facts(*, odd: bool = True, fields: tuple[str, ...] = tuple(FACTS)) -> st.SearchStrategy[dict[str, Any]]:
    """An enterprise's facts: each absent, None, a value from the pools or (odd=True) a value
    of the wrong type, which rules treat as missing."""
    def value(name: str) -> st.SearchStrategy[Any]:
        options = [st.just(_MISSING), st.none(), _well_typed(name), _well_typed(name)]
        if odd:
            options.append(st.sampled_from(odd_values(name)))
        return st.one_of(options)

    return st.fixed_dictionaries({name: value(name) for name in fields}).map(
        lambda drawn: {name: value for name, value in drawn.items() if value is not _MISSING})


def tags() -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(TAGS))


# One fact of each kind: rules and facts drawn over these collide far more often than over all.
FOCUSED = ("employees", "industry_code", "registered_on", "qualifications")


def rules_with_facts(odd: bool = True) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    """A rule and an enterprise's facts, over every fact or over FOCUSED ones only."""
    return st.one_of(st.tuples(rules(), facts(odd=odd)),
                     st.tuples(rules(FOCUSED), facts(odd=odd, fields=FOCUSED)))
