"""The facts a rule may name: every profile field (contract section 1) and the values derived from them.

Both tag rules (tagging service) and eligibility rules (policy service) are written over these
names, so the list lives here, once. Tagging computes the derived facts; policy only reads them.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from shared.contracts.gov import Status


class Kind(enum.StrEnum):
    string = "string"
    number = "number"   # int or float
    date = "date"       # ISO date string, compared as text (ISO order is date order)
    codes = "codes"     # a list of codes; `in` means "has any of", `==` means "has this one"


@dataclass(frozen=True)
class Fact:
    name: str
    kind: Kind
    label: str            # Chinese label, used in explanations
    derived: bool = False
    choices: tuple[str, ...] = ()


FACTS: dict[str, Fact] = {fact.name: fact for fact in (
    Fact("name", Kind.string, "企业名称"),
    Fact("registered_on", Kind.date, "成立日期"),
    Fact("ownership", Kind.string, "所有制", choices=(
        "state_owned", "collective", "private", "foreign_invested", "hmt_invested", "individual_business")),
    Fact("industry_code", Kind.string, "行业代码"),
    Fact("county", Kind.string, "所在区县", choices=(
        "371602", "371603", "371621", "371622", "371623", "371625", "371681")),
    Fact("employees", Kind.number, "从业人员"),
    Fact("annual_revenue", Kind.number, "营业收入（元）"),
    Fact("total_assets", Kind.number, "资产总额（元）"),
    Fact("rd_expense", Kind.number, "研发费用（元）"),
    Fact("qualifications", Kind.codes, "资质"),
    Fact("interests", Kind.codes, "政策需求"),
    Fact("status", Kind.string, "经营状态", choices=tuple(status.value for status in Status)),
    # derived by the tagging service from the fields above
    Fact("age_years", Kind.number, "成立年限（年）", derived=True),
    Fact("revenue_per_employee", Kind.number, "人均营业收入（元）", derived=True),
    Fact("rd_intensity", Kind.number, "研发投入强度（研发费用/营业收入）", derived=True),
    Fact("scale", Kind.string, "企业规模", derived=True, choices=("large", "medium", "small", "micro")),
    Fact("industry_section", Kind.string, "行业门类", derived=True),
    Fact("industry_division", Kind.string, "行业大类", derived=True),
)}

PROFILE_FACTS = tuple(name for name, fact in FACTS.items() if not fact.derived)
DERIVED_FACTS = tuple(name for name, fact in FACTS.items() if fact.derived)
