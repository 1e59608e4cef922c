"""Every tag of the default catalogue on the edges of its rule, and what its description promises.

Each row below is written by hand from the tag's description (never computed from its rule): a
profile just inside each bound, one just outside it, and one without the data the rule needs,
which must earn no tag. Facts are derived and tags assigned exactly as the tagging service does:
`load_default().assign(derive(profile, today))`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from services.tagging.domain.catalogue import Catalogue, load_default
from services.tagging.domain.derived import derive

TODAY = date(2026, 11, 27)
CJK = re.compile(r"[\u4e00-\u9fff]")

INSIDE, OUTSIDE, MISSING = "inside", "outside", "missing"


@dataclass(frozen=True)
class Edge:
    code: str
    kind: str            # INSIDE: earns the tag; OUTSIDE: just past a bound; MISSING: lacks the data
    why: str
    profile: dict[str, Any]
    today: date = field(default=TODAY)

    @property
    def expected(self) -> bool:
        return self.kind == INSIDE

    @property
    def id(self) -> str:
        return f"{self.code}-{self.kind}-{self.why}"


EDGES: list[Edge] = []


def inside(code: str, why: str, profile: dict[str, Any], today: date = TODAY) -> None:
    EDGES.append(Edge(code, INSIDE, why, profile, today))


def outside(code: str, why: str, profile: dict[str, Any], today: date = TODAY) -> None:
    EDGES.append(Edge(code, OUTSIDE, why, profile, today))


def missing(code: str, why: str, profile: dict[str, Any], today: date = TODAY) -> None:
    EDGES.append(Edge(code, MISSING, why, profile, today))


UNRELATED = {"name": "滨州测试企业", "status": "active"}   # data no rule reads


# ownership: the value itself, a neighbouring value, and no ownership --------------------------------
for value, other in [("state_owned", "collective"), ("collective", "state_owned"),
                     ("private", "individual_business"), ("foreign_invested", "hmt_invested"),
                     ("hmt_invested", "foreign_invested"), ("individual_business", "private")]:
    code = f"ownership.{value}"
    inside(code, value, {"ownership": value})
    outside(code, other, {"ownership": other})
    outside(code, "upper case", {"ownership": value.upper()})
    missing(code, "no ownership", {**UNRELATED, "county": "371602", "employees": 5})


# industry sections (GB/T 4754-2017): letter, first division, last division, a code of the next section
SECTIONS = [
    ("A", "01", "05", "B06"), ("B", "06", "12", "C13"), ("C", "13", "43", "D44"), ("D", "44", "46", "E47"),
    ("E", "47", "50", "F51"), ("F", "51", "52", "G53"), ("G", "53", "60", "H61"), ("H", "61", "62", "I63"),
    ("I", "63", "65", "J66"), ("J", "66", "69", "K70"), ("K", "70", "70", "L71"), ("L", "71", "72", "M73"),
    ("M", "73", "75", "N76"), ("N", "76", "79", "O80"), ("O", "80", "82", "P83"), ("P", "83", "83", "Q84"),
    ("Q", "84", "85", "R86"), ("R", "86", "90", "S91"), ("S", "91", "96", "T97"), ("T", "97", "97", "A01"),
]
for letter, first, last, neighbour in SECTIONS:
    code = f"industry.{letter.lower()}"
    inside(code, "letter only", {"industry_code": letter})
    inside(code, "first division", {"industry_code": f"{letter}{first}"})
    inside(code, "last division, 4 digits", {"industry_code": f"{letter}{last}99"})
    inside(code, "3 digits", {"industry_code": f"{letter}{first}1"})
    outside(code, "next section", {"industry_code": neighbour})
    missing(code, "no industry code", {**UNRELATED, "employees": 50})
    missing(code, "one digit", {"industry_code": f"{letter}1"})
    missing(code, "five digits", {"industry_code": f"{letter}{first}111"})
    missing(code, "lower case", {"industry_code": f"{letter.lower()}{first}"})


# industry groups: codes inside, codes just outside, codes too vague or unreadable ------------------
GROUPS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "agriculture": (["A", "A01", "A05", "A0511"], ["B06", "C13"], ["A1"]),
    "food": (["C13", "C1310", "C14", "C15", "C1529"], ["C12", "C16"], ["C"]),
    "tobacco": (["C16", "C1610"], ["C15", "C17"], ["C"]),
    "textiles": (["C17", "C18", "C19", "C1954"], ["C16", "C20"], ["C"]),
    "wood_furniture": (["C20", "C21", "C2110"], ["C19", "C22"], ["C"]),
    "paper_printing": (["C22", "C23", "C2311"], ["C21", "C24"], ["C"]),
    "cultural_goods": (["C24", "C2411"], ["C23", "C25"], ["C"]),
    "chemicals": (["C25", "C26", "C2614", "C28", "C29"], ["C24", "C27", "C30"], ["C"]),
    "pharmaceuticals": (["C27", "C2710"], ["C26", "C28"], ["C"]),
    "building_materials": (["C30", "C3011"], ["C29", "C31"], ["C"]),
    "metals": (["C31", "C32", "C3216"], ["C30", "C33"], ["C"]),
    "equipment": (["C33", "C36", "C3911", "C40"], ["C32", "C41"], ["C"]),
    "electronics": (["C39", "C3911"], ["C38", "C40"], ["C"]),
    "other_manufacturing": (["C41", "C42", "C43", "C4320"], ["C40", "D44"], ["C"]),
    "construction": (["E", "E47", "E50", "E5010"], ["D46", "F51"], ["E1"]),
    "wholesale": (["F51", "F5191"], ["F52", "E50"], ["F"]),
    "retail": (["F52", "F5299"], ["F51", "G53"], ["F"]),
    "internet_telecom": (["I63", "I64", "I6432"], ["I65", "H62"], ["I"]),
    "software_it": (["I65", "I6510"], ["I64", "J66"], ["I"]),
}
for group, (ins, outs, vague) in GROUPS.items():
    code = f"industry_group.{group}"
    for industry_code in ins:
        inside(code, industry_code, {"industry_code": industry_code})
    for industry_code in outs:
        outside(code, industry_code, {"industry_code": industry_code})
    for industry_code in vague:
        missing(code, f"only {industry_code}", {"industry_code": industry_code})
    missing(code, "no industry code", {**UNRELATED, "employees": 50, "annual_revenue": 1e7})


# scale by 工信部联企业〔2011〕300号; money in yuan (万元 x 10,000) --------------------------------------
def industrial(employees: int, revenue: float) -> dict[str, Any]:        # 工业: employees and revenue
    return {"industry_code": "C3011", "employees": employees, "annual_revenue": revenue}


def retail(employees: int, revenue: float) -> dict[str, Any]:            # 零售业
    return {"industry_code": "F5211", "employees": employees, "annual_revenue": revenue}


def construction(revenue: float, assets: float) -> dict[str, Any]:       # 建筑业: revenue and assets
    return {"industry_code": "E4710", "annual_revenue": revenue, "total_assets": assets}


def services(employees: int) -> dict[str, Any]:                          # 其他未列明行业: employees only
    return {"industry_code": "M7310", "employees": employees}


# 工业 large >= 1000 persons and >= 40000万; medium >= 300 and >= 2000万; small >= 20 and >= 300万
inside("scale.large", "industry at both large bounds", industrial(1000, 400_000_000))
outside("scale.large", "industry one person short", industrial(999, 400_000_000))
outside("scale.large", "industry one yuan short", industrial(1000, 399_999_999))
inside("scale.large", "construction at both large bounds", construction(800_000_000, 800_000_000))
outside("scale.large", "construction assets one yuan short", construction(800_000_000, 799_999_999))
inside("scale.large", "services 300 persons", services(300))
outside("scale.large", "services 299 persons", services(299))

inside("scale.medium", "industry at both medium bounds", industrial(300, 20_000_000))
inside("scale.medium", "industry just below large persons", industrial(999, 400_000_000))
inside("scale.medium", "industry just below large revenue", industrial(1000, 399_999_999))
outside("scale.medium", "industry one person short", industrial(299, 20_000_000))
outside("scale.medium", "industry one yuan short", industrial(300, 19_999_999))
outside("scale.medium", "industry at large bounds", industrial(1000, 400_000_000))
inside("scale.medium", "retail at medium bounds", retail(50, 5_000_000))
outside("scale.medium", "retail 49 persons", retail(49, 5_000_000))
inside("scale.medium", "services 100 persons", services(100))
outside("scale.medium", "services 99 persons", services(99))

inside("scale.small", "industry at both small bounds", industrial(20, 3_000_000))
inside("scale.small", "industry just below medium persons", industrial(299, 20_000_000))
inside("scale.small", "industry just below medium revenue", industrial(300, 19_999_999))
outside("scale.small", "industry one person short", industrial(19, 3_000_000))
outside("scale.small", "industry one yuan short", industrial(20, 2_999_999))
outside("scale.small", "industry at medium bounds", industrial(300, 20_000_000))
inside("scale.small", "retail at small bounds", retail(10, 1_000_000))
outside("scale.small", "retail 9 persons", retail(9, 1_000_000))
inside("scale.small", "construction at small bounds", construction(3_000_000, 3_000_000))
outside("scale.small", "construction assets one yuan short", construction(3_000_000, 2_999_999))
inside("scale.small", "services 10 persons", services(10))
outside("scale.small", "services 9 persons", services(9))

inside("scale.micro", "industry one person short of small", industrial(19, 400_000_000))
inside("scale.micro", "industry one yuan short of small", industrial(1000, 2_999_999))
inside("scale.micro", "industry nobody employed", industrial(0, 0))
outside("scale.micro", "industry at small bounds", industrial(20, 3_000_000))
inside("scale.micro", "services 9 persons", services(9))
outside("scale.micro", "services 10 persons", services(10))

for level in ("large", "medium", "small", "micro"):
    code = f"scale.{level}"
    missing(code, "no industry code", {"employees": 500, "annual_revenue": 1e8, "total_assets": 1e8})
    missing(code, "industry without revenue", {"industry_code": "C3011", "employees": 500})
    missing(code, "industry without employees", {"industry_code": "C3011", "annual_revenue": 1e8})
    missing(code, "construction without assets", {"industry_code": "E4710", "annual_revenue": 1e8})
    missing(code, "section F alone", {"industry_code": "F", "employees": 500, "annual_revenue": 1e8})
    missing(code, "division K70 alone", {"industry_code": "K70", "employees": 500, "annual_revenue": 1e8,
                                         "total_assets": 1e8})
    missing(code, "C12 is no division of C", {"industry_code": "C12", "employees": 500, "annual_revenue": 1e8})


# age: whole years by anniversaries, as of TODAY = 2026-11-27 ---------------------------------------
inside("age.startup", "registered today", {"registered_on": "2026-11-27"})
inside("age.startup", "one day short of 3 years", {"registered_on": "2023-11-28"})
outside("age.startup", "3 years to the day", {"registered_on": "2023-11-27"})
inside("age.startup", "leap-day registration, day before 28 Feb", {"registered_on": "2024-02-29"}, date(2027, 2, 27))
outside("age.startup", "leap-day registration, on 28 Feb", {"registered_on": "2024-02-29"}, date(2027, 2, 28))

inside("age.growing", "3 years to the day", {"registered_on": "2023-11-27"})
inside("age.growing", "one day short of 10 years", {"registered_on": "2016-11-28"})
outside("age.growing", "one day short of 3 years", {"registered_on": "2023-11-28"})
outside("age.growing", "10 years to the day", {"registered_on": "2016-11-27"})
inside("age.growing", "leap-day registration, on 28 Feb", {"registered_on": "2024-02-29"}, date(2027, 2, 28))

inside("age.mature", "10 years to the day", {"registered_on": "2016-11-27"})
inside("age.mature", "registered 1950", {"registered_on": "1950-01-01"})
outside("age.mature", "one day short of 10 years", {"registered_on": "2016-11-28"})

for band in ("startup", "growing", "mature"):
    code = f"age.{band}"
    missing(code, "no registration date", {**UNRELATED, "employees": 5})
    missing(code, "registered tomorrow", {"registered_on": "2026-11-28"})
    missing(code, "not a date", {"registered_on": "2026-13-01"})


# county -----------------------------------------------------------------------------------------------
COUNTY_CODES = ["371602", "371603", "371621", "371622", "371623", "371625", "371681"]
for index, county in enumerate(COUNTY_CODES):
    code = f"county.{county}"
    inside(code, county, {"county": county})
    outside(code, "another county", {"county": COUNTY_CODES[index - 1]})
    outside(code, "the city itself", {"county": "371600"})
    missing(code, "no county", {**UNRELATED, "ownership": "private"})


# qualifications and interests: lists of codes; holding it (alone or with others), not holding it ---
def list_edges(category: str, fact: str, values: list[str]) -> None:
    for index, value in enumerate(values):
        code = f"{category}.{value}"
        others = [values[index - 1], values[index - 2]]
        inside(code, "alone", {fact: [value]})
        inside(code, "among others", {fact: [*others, value]})
        outside(code, "others only", {fact: others})
        missing(code, "empty list", {fact: []})
        missing(code, "no list", {**UNRELATED, "employees": 5})
        missing(code, "a bare string, not a list", {fact: value})


list_edges("qualification", "qualifications",
           ["high_tech_enterprise", "tech_sme", "specialized_sme", "little_giant", "gazelle"])
list_edges("interest", "interests",
           ["financing", "tax_relief", "talent", "innovation", "export", "digital", "land", "energy", "employment"])


# innovation: rd_expense / annual_revenue, bounds 0, 3 % and 5 % ------------------------------------
def rd(expense: float | None, revenue: float | None) -> dict[str, Any]:
    profile = {"rd_expense": expense, "annual_revenue": revenue}
    return {name: value for name, value in profile.items() if value is not None}


inside("innovation.none", "no R&D", rd(0, 1_000_000))
outside("innovation.none", "one yuan of R&D", rd(1, 1_000_000))

inside("innovation.low", "one yuan of R&D", rd(1, 1_000_000))
inside("innovation.low", "just under 3%", rd(29_999, 1_000_000))
outside("innovation.low", "no R&D", rd(0, 1_000_000))
outside("innovation.low", "exactly 3%", rd(30_000, 1_000_000))

inside("innovation.medium", "exactly 3%", rd(30_000, 1_000_000))
inside("innovation.medium", "3 of 100", rd(3, 100))
inside("innovation.medium", "just under 5%", rd(49_999, 1_000_000))
outside("innovation.medium", "just under 3%", rd(29_999, 1_000_000))
outside("innovation.medium", "exactly 5%", rd(50_000, 1_000_000))

inside("innovation.high", "exactly 5%", rd(50_000, 1_000_000))
inside("innovation.high", "5 of 100", rd(5, 100))
inside("innovation.high", "R&D above revenue", rd(2_000_000, 1_000_000))
outside("innovation.high", "just under 5%", rd(49_999, 1_000_000))

for band in ("none", "low", "medium", "high"):
    code = f"innovation.{band}"
    missing(code, "no revenue", rd(50_000, None))
    missing(code, "no R&D expense", rd(None, 1_000_000))
    missing(code, "zero revenue", rd(0, 0))
    missing(code, "zero revenue with R&D", rd(50_000, 0))


# employment bands: lower bound inclusive, upper bound exclusive -----------------------------------
BANDS = [("under_10", None, 10), ("10_49", 10, 50), ("50_299", 50, 300), ("300_999", 300, 1000),
         ("1000_plus", 1000, None)]
for band, low, high in BANDS:
    code = f"employment.{band}"
    if low is None:
        inside(code, "nobody", {"employees": 0})
    else:
        inside(code, f"exactly {low}", {"employees": low})
        outside(code, f"{low - 1}", {"employees": low - 1})
    if high is None:
        inside(code, "250000", {"employees": 250_000})
    else:
        inside(code, f"{high - 1}", {"employees": high - 1})
        outside(code, f"exactly {high}", {"employees": high})
    missing(code, "no employees", {**UNRELATED, "annual_revenue": 1e6})
    missing(code, "employees as text", {"employees": "20"})


def tags_for(catalogue: Catalogue, profile: dict[str, Any], today: date) -> set[str]:
    return set(catalogue.assign(derive(profile, today)))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_default()


@pytest.mark.parametrize("edge", EDGES, ids=[edge.id for edge in EDGES])
def test_each_tag_on_the_edges_of_its_rule(catalogue, edge):
    assert (edge.code in tags_for(catalogue, edge.profile, edge.today)) is edge.expected


@pytest.mark.parametrize("edge", [edge for edge in EDGES if edge.kind == INSIDE],
                         ids=[edge.id for edge in EDGES if edge.kind == INSIDE])
def test_a_deregistered_enterprise_earns_no_tag_even_inside_the_bounds(catalogue, edge):
    assert tags_for(catalogue, {**edge.profile, "status": "deregistered"}, edge.today) == set()
    assert edge.code in tags_for(catalogue, {**edge.profile, "status": "active"}, edge.today)


def test_every_tag_has_edges_inside_outside_and_without_data(catalogue):
    kinds: dict[str, set[str]] = {}
    for edge in EDGES:
        kinds.setdefault(edge.code, set()).add(edge.kind)
    assert set(kinds) == set(catalogue.codes()), "edges name a code the catalogue lacks, or miss one"
    lacking = {code: {INSIDE, OUTSIDE, MISSING} - found for code, found in kinds.items()
               if found != {INSIDE, OUTSIDE, MISSING}}
    assert lacking == {}


# coverage --------------------------------------------------------------------------------------------
REQUIRED: dict[str, set[str]] = {
    "ownership": {"state_owned", "collective", "private", "foreign_invested", "hmt_invested", "individual_business"},
    "industry": set("abcdefghijklmnopqrst"),
    "industry_group": {"agriculture", "food", "textiles", "chemicals", "pharmaceuticals", "metals", "equipment",
                       "electronics", "building_materials", "software_it", "internet_telecom", "wholesale",
                       "retail", "construction"},
    "scale": {"large", "medium", "small", "micro"},
    "age": {"startup", "growing", "mature"},
    "county": set(COUNTY_CODES),
    "qualification": {"high_tech_enterprise", "tech_sme", "specialized_sme", "little_giant", "gazelle"},
    "interest": {"financing", "tax_relief", "talent", "innovation", "export", "digital", "land", "energy",
                 "employment"},
    "innovation": {"none", "low", "medium", "high"},
    "employment": {"under_10", "10_49", "50_299", "300_999", "1000_plus"},
}


@pytest.mark.parametrize("category", sorted(REQUIRED))
def test_every_required_category_is_present_and_covered(catalogue, category):
    assert category in {c.code for c in catalogue.categories}
    values = {tag.value for tag in catalogue.tags if tag.category == category}
    assert REQUIRED[category] <= values


def test_every_manufacturing_division_falls_in_a_manufacturing_group(catalogue):
    for division in range(13, 44):   # C13 to C43
        earned = tags_for(catalogue, {"industry_code": f"C{division}"}, TODAY)
        assert {code for code in earned if code.startswith("industry_group.")}, f"C{division}"


# descriptions ----------------------------------------------------------------------------------------
SYMBOL = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
MIRROR = {">": "<", ">=": "≤", "<": ">", "<=": "≥"}   # `10 ≤ x` states x >= 10


def comparisons(rule: Any) -> Iterator[dict[str, Any]]:
    if isinstance(rule, dict):
        if "field" in rule:
            yield rule
        for key in ("all", "any"):
            for child in rule.get(key, []):
                yield from comparisons(child)
        if "not" in rule:
            yield from comparisons(rule["not"])


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


@pytest.mark.parametrize("code", load_default().codes())
def test_description_is_chinese_and_says_when_the_tag_applies_and_when_data_is_missing(catalogue, code):
    tag = catalogue.get(code)
    assert CJK.search(tag.name), code
    assert CJK.search(tag.description) and len(tag.description) >= 40, code
    assert "缺失" in tag.description and "不打" in tag.description, f"{code}: says nothing of missing data"
    for node in comparisons(tag.rule):
        values = node["value"] if isinstance(node["value"], list) else [node["value"]]
        for value in values:
            if isinstance(value, str):
                assert value in tag.description, f"{code}: does not name {value!r}"
                continue
            text = number_text(value)
            if node["op"] in SYMBOL:
                stated = (f"{SYMBOL[node['op']]} {text}" in tag.description
                          or f"{text} {MIRROR[node['op']]}" in tag.description)
                assert stated, f"{code}: does not state `{node['field']} {node['op']} {text}`"
            else:
                assert text in tag.description, f"{code}: does not name {text}"
