"""Helpers for the demo data tests: the policy entry shape, and enterprises tagged as the platform tags them."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from demo.enterprises import TODAY, generate
from services.tagging.domain.catalogue import load_default
from services.tagging.domain.derived import derive
from shared import eligibility
from shared.contracts.gov import COUNTIES
from shared.facts import FACTS, Kind

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NUMBER_FACTS = tuple(name for name, fact in FACTS.items() if fact.kind is Kind.number)


class Fixed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["fixed"]
    amount: Positive


class PerUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["per_unit"]
    field: Literal[NUMBER_FACTS]  # type: ignore[valid-type]
    rate: Positive
    cap: Positive


class Ratio(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["ratio"]
    field: Literal[NUMBER_FACTS]  # type: ignore[valid-type]
    rate: Annotated[float, Field(gt=0, le=1)]
    cap: Positive


class PolicyEntry(BaseModel):
    """One entry of demo/policies.json (contract sections 4 and 6, plus the demo's own keys)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    title: Annotated[str, Field(min_length=1, max_length=200)]
    department: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    department_name: Annotated[str, Field(min_length=2)]
    level: Literal["national", "provincial", "city", "county"]
    county: str | None = None
    summary: Annotated[str, Field(min_length=10)]
    body: Annotated[str, Field(min_length=40)]
    eligibility: dict[str, Any]
    valid_from: date
    valid_to: date
    redeemable: bool
    proactive: bool
    subsidy: Annotated[Fixed | PerUnit | Ratio, Field(discriminator="type")] | None = None
    budget: Positive | None = None
    exclusive_group: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    materials: Annotated[list[Annotated[str, Field(min_length=2)]], Field(max_length=3)]

    @model_validator(mode="after")
    def _consistent(self) -> PolicyEntry:
        if self.valid_from >= self.valid_to:
            raise ValueError("valid_from must come before valid_to")
        if (self.level == "county") != (self.county is not None):
            raise ValueError("a county is named exactly when the level is county")
        if self.county is not None and self.county not in COUNTIES:
            raise ValueError(f"unknown county {self.county}")
        if self.proactive and not self.redeemable:
            raise ValueError("only a redeemable policy can be proactive")
        if self.redeemable != (self.subsidy is not None) or self.redeemable != (self.budget is not None):
            raise ValueError("subsidy and budget are given exactly for redeemable policies")
        if self.budget is not None and self.subsidy is not None:
            largest = self.subsidy.amount if isinstance(self.subsidy, Fixed) else self.subsidy.cap
            if largest > self.budget:
                raise ValueError("one payment must fit in the budget")
        if len(set(self.materials)) != len(self.materials):
            raise ValueError("materials are named once each")
        return self


class SyntheticEntry(PolicyEntry):
    expected_selectivity: Annotated[float, Field(gt=0, lt=1)]
    expected_matches: Annotated[int, Field(gt=0)]


Tagged = list[tuple[Mapping[str, Any], frozenset[str]]]


@lru_cache(maxsize=4)
def tagged(count: int, seed: int = 7) -> Tagged:
    """generate(count, seed) as (facts, tags), derived and tagged the way the tagging service does it."""
    catalogue = load_default()
    rows = []
    for profile in generate(count, seed):
        facts = derive(profile, TODAY)
        rows.append((facts, frozenset(catalogue.assign(facts))))
    return rows


def known_tags() -> tuple[str, ...]:
    return load_default().codes()


def checker(rule_json: Mapping[str, Any]) -> Callable[[Mapping[str, Any], frozenset[str]], bool]:
    return eligibility.compile_rule(eligibility.parse(rule_json, known_tags()))


def matches(rule_json: Mapping[str, Any], rows: Tagged) -> int:
    check = checker(rule_json)
    return sum(1 for facts, tags in rows if check(facts, tags))
