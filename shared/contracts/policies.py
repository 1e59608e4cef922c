"""Policy bodies as staff send them (contract sections 4 and 6); the gateway and the policy service share them."""
from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.applications import POLICY_LIMITED_STAGES
from shared.contracts.bounds import PlatformDate, json_at_most, one_of
from shared.contracts.departments import DepartmentCode
from shared.contracts.gov import COUNTIES
from shared.facts import FACTS, Kind
from shared.money import Rate, Yuan

MAX_RULE_CHARS = 64 * 1024  # a rule of 32 levels naming hundreds of codes is a few kilobytes
NUMERIC_FACTS = tuple(name for name, fact in FACTS.items() if fact.kind is Kind.number and not fact.derived)


class PolicyStatus(enum.StrEnum):
    """Where a policy is in its life (contract section 6); only a published one matches."""

    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"
    expired = "expired"


class PolicyLevel(enum.StrEnum):
    """The level of government that issued a policy; a county-level one names its county."""

    national = "national"
    provincial = "provincial"
    city = "city"
    county = "county"


# the words of the enums above as request models take them (see `one_of`)
PolicyStatusName = one_of(PolicyStatus)
PolicyLevelName = one_of(PolicyLevel)
LimitedStageName = one_of(POLICY_LIMITED_STAGES)


class FixedSubsidy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["fixed"]
    amount: Annotated[Yuan, Field(gt=0)]


class PerUnitSubsidy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["per_unit"]
    field: Literal[NUMERIC_FACTS]  # type: ignore[valid-type]
    rate: Annotated[Yuan, Field(gt=0)]             # yuan per unit of the fact
    cap: Annotated[Yuan, Field(gt=0)] | None = None


class RatioSubsidy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["ratio"]
    field: Literal[NUMERIC_FACTS]  # type: ignore[valid-type]
    rate: Rate                                     # the share of the fact, to a millionth
    cap: Annotated[Yuan, Field(gt=0)] | None = None


Subsidy = Annotated[FixedSubsidy | PerUnitSubsidy | RatioSubsidy, Field(discriminator="type")]
Text = Annotated[str, Field(min_length=1, max_length=100)]


class PolicyDraft(BaseModel):
    """What staff send to create or revise a policy. The rule itself is checked by the policy service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]
    department: DepartmentCode
    department_name: Annotated[str, Field(max_length=100)] | None = None
    summary: Annotated[str, Field(min_length=1, max_length=2000)]
    body: Annotated[str, Field(max_length=100_000)] = ""
    level: PolicyLevelName = PolicyLevel.city.value
    county: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None
    eligibility: Annotated[dict[str, Any], json_at_most(MAX_RULE_CHARS)] = Field(default_factory=dict)
    valid_from: PlatformDate
    valid_to: PlatformDate
    redeemable: bool = False
    proactive: bool = False
    subsidy: Subsidy | None = None
    budget: Yuan | None = None
    exclusive_group: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    materials: Annotated[list[Text], Field(max_length=3)] = Field(default_factory=list)
    stage_limits: dict[LimitedStageName, Annotated[int, Field(ge=1, le=60)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> PolicyDraft:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        if self.proactive and not self.redeemable:
            raise ValueError("a proactive policy (免申即享) must be redeemable")
        if self.redeemable and self.subsidy is None:
            raise ValueError("a redeemable policy needs a subsidy formula")
        if self.level == PolicyLevel.county and self.county not in COUNTIES:
            raise ValueError(f"a county-level policy needs county, one of {', '.join(COUNTIES)}")
        if self.level != PolicyLevel.county and self.county is not None:
            raise ValueError("county is only for county-level policies")
        return self
