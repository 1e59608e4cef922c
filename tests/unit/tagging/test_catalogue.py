"""The default tag catalogue: its shape, its validation, and every rule on its edges."""
from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.tagging.domain import catalogue as catalogue_module
from services.tagging.domain.catalogue import Catalogue, CatalogueError, Category, Tag, load, load_default
from services.tagging.domain.derived import derive
from services.tagging.domain.scale import SECTION_DIVISIONS
from shared import eligibility
from shared.contracts.gov import COUNTIES
from shared.facts import FACTS
from tests.properties import examples

TODAY = date(2026, 11, 27)
CJK = re.compile(r"[\u4e00-\u9fff]")
OWNERSHIPS = FACTS["ownership"].choices
QUALIFICATIONS = ("high_tech_enterprise", "tech_sme", "specialized_sme", "little_giant", "gazelle")
INTERESTS = ("financing", "tax_relief", "talent", "innovation", "export", "digital", "land", "energy", "employment")
# categories where an enterprise can hold at most one tag
EXCLUSIVE = ("ownership", "industry", "scale", "age", "county", "innovation", "employment")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_default()


def tags_of(catalogue: Catalogue, profile: dict, today: date = TODAY) -> set[str]:
    return set(catalogue.assign(derive(profile, today)))


def in_category(codes, category: str) -> set[str]:
    return {code for code in codes if code.startswith(category + ".")}


# shape ------------------------------------------------------------------------------------------
def test_contract_minimums(catalogue):
    assert len(catalogue.tags) >= 42
    assert len({tag.category for tag in catalogue.tags}) >= 7


def test_codes_are_unique_ordered_and_well_formed(catalogue):
    codes = catalogue.codes()
    assert len(codes) == len(set(codes)) == len(catalogue)
    assert codes == tuple(tag.code for tag in catalogue.tags)
    for tag in catalogue.tags:
        assert re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*", tag.code)
        assert tag.code == f"{tag.category}.{tag.value}"


def test_every_tag_and_category_is_named_in_chinese(catalogue):
    for category in catalogue.categories:
        assert CJK.search(category.name), category
    for tag in catalogue.tags:
        assert CJK.search(tag.name), tag.code
        assert CJK.search(tag.description), tag.code


def test_every_category_is_used(catalogue):
    assert [c.code for c in catalogue.categories] == list(dict.fromkeys(tag.category for tag in catalogue.tags))


@pytest.mark.parametrize(("category", "values"), [
    ("ownership", OWNERSHIPS),
    ("industry", tuple("abcdefghijklmnopqrst")),
    ("scale", ("large", "medium", "small", "micro")),
    ("age", ("startup", "growing", "mature")),
    ("county", tuple(COUNTIES)),
    ("qualification", QUALIFICATIONS),
    ("interest", INTERESTS),
    ("innovation", ("none", "low", "medium", "high")),
    ("employment", ("under_10", "10_49", "50_299", "300_999", "1000_plus")),
])
def test_required_coverage(catalogue, category, values):
    assert in_category(catalogue.codes(), category) == {f"{category}.{value}" for value in values}


def test_industry_groups_cover_the_key_groups(catalogue):
    groups = {tag.value for tag in catalogue.tags if tag.category == "industry_group"}
    assert {"agriculture", "food", "textiles", "chemicals", "metals", "equipment", "software_it",
            "wholesale", "retail", "construction"} <= groups


def test_tag_rules_use_facts_only(catalogue):
    for tag in catalogue.tags:
        assert eligibility.tags_used(eligibility.parse(tag.rule, None)) == frozenset(), tag.code


def test_default_json_round_trips(catalogue):
    text = resources.files("services.tagging.catalogue").joinpath("default.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert catalogue.to_dict() == {"categories": data["categories"], "tags": data["tags"]}
    assert load(json.dumps(catalogue.to_dict())).codes() == catalogue.codes()


def test_load_default_is_built_once(catalogue):
    assert load_default() is catalogue


# validation -------------------------------------------------------------------------------------
CATS = [Category("scale", "企业规模"), Category("employment", "从业人员规模")]


def small_tag(**override) -> Tag:
    values = {"code": "scale.small", "category": "scale", "name": "小型企业", "description": "小型企业。",
              "rule": {"field": "scale", "op": "==", "value": "small"}}
    values.update(override)
    return Tag(**values)


@pytest.mark.parametrize(("tag", "message"), [
    (small_tag(code="Scale.small"), "lowercase"),
    (small_tag(code="scale"), "lowercase"),
    (small_tag(code="scale.small.x"), "lowercase"),
    (small_tag(code="employment.small"), "start with its category"),
    (small_tag(code="size.small", category="size"), "unknown category"),
    (small_tag(rule={"field": "headcount", "op": ">", "value": 1}), "unknown field"),
    (small_tag(rule={"tag": "scale.micro"}), "unknown tag"),
    (small_tag(rule={"field": "scale", "op": "==", "value": "tiny"}), "not a value of scale"),
    (small_tag(rule={"all": {"field": "scale"}}), "list of rules"),
    (small_tag(rule=[]), "JSON object"),
])
def test_invalid_tags_are_refused_with_the_reason(tag, message):
    with pytest.raises(CatalogueError, match=re.escape(message)) as error:
        Catalogue(CATS, [tag])
    assert tag.code in str(error.value)


def test_duplicate_codes_are_refused():
    with pytest.raises(CatalogueError, match="twice"):
        Catalogue(CATS, [small_tag(), small_tag(name="又一个")])


def test_duplicate_categories_are_refused():
    with pytest.raises(CatalogueError, match="unique"):
        Catalogue([*CATS, Category("scale", "重复")], [])


@pytest.mark.parametrize(("data", "message"), [
    ({"categories": [{"code": "scale", "name": ""}], "tags": []}, "categories[0]: `name`"),
    ({"categories": [{"code": "scale", "name": "规模"}], "tags": [{"code": "scale.small"}]}, "`category`"),
    ({"categories": [], "tags": ["scale.small"]}, "tags[0]: must be a JSON object"),
    ({"categories": [{"code": "scale", "name": "规模"}],
      "tags": [{**small_tag().to_dict(), "weight": 1}]}, "unknown keys ['weight']"),
    ([], "JSON object"),
    ({"tags": []}, "`categories` must be a list"),
    ({"categories": [], "tags": "scale.small"}, "`tags` must be a list"),
    ({"categories": ["scale"], "tags": []}, "categories[0]: must be a JSON object"),
])
def test_malformed_catalogue_documents_are_refused(data, message):
    with pytest.raises(CatalogueError, match=re.escape(message)):
        Catalogue.from_dict(data)


def test_not_json_is_refused():
    with pytest.raises(CatalogueError, match="not JSON"):
        load("{")


def test_with_tag_adds_or_replaces_and_without_removes(catalogue):
    changed = catalogue.with_tag(Tag("scale.small", "scale", "小型企业", "只看从业人员。",
                                     {"field": "employees", "op": "<", "value": 5}))
    assert changed.codes() == catalogue.codes()
    assert "scale.small" in changed.assign({"employees": 3})
    assert "scale.small" not in catalogue.assign({"employees": 3})
    added = catalogue.with_tag(Tag("employment.none", "employment", "无从业人员", "从业人员为0。",
                                   {"field": "employees", "op": "==", "value": 0}))
    assert added.codes()[-1] == "employment.none"
    assert added.without("employment.none").codes() == catalogue.codes()
    with pytest.raises(KeyError):
        catalogue.without("employment.none")


# assignment -------------------------------------------------------------------------------------
def test_evidence_names_the_rule_and_the_values_it_read(catalogue):
    earned = catalogue.assign(derive({"employees": 10, "county": "371625"}, TODAY))
    assert earned["employment.10_49"] == {
        "rule": {"all": [{"field": "employees", "op": ">=", "value": 10},
                         {"field": "employees", "op": "<", "value": 50}]},
        "values": {"employees": 10},
    }
    assert earned["county.371625"] == {"rule": {"field": "county", "op": "==", "value": "371625"},
                                       "values": {"county": "371625"}}


def test_no_facts_no_tags(catalogue):
    assert catalogue.assign({}) == {}


def test_deregistered_enterprises_get_no_tags(catalogue):
    profile = {"ownership": "private", "county": "371602", "employees": 5, "industry_code": "M7310"}
    assert tags_of(catalogue, profile) == {"ownership.private", "county.371602", "employment.under_10",
                                           "industry.m", "scale.micro"}
    assert tags_of(catalogue, {**profile, "status": "active"}) == tags_of(catalogue, profile)
    assert tags_of(catalogue, {**profile, "status": "deregistered"}) == set()


@pytest.mark.parametrize("ownership", OWNERSHIPS)
def test_ownership(catalogue, ownership):
    assert in_category(tags_of(catalogue, {"ownership": ownership}), "ownership") == {f"ownership.{ownership}"}


@pytest.mark.parametrize("county", sorted(COUNTIES))
def test_county(catalogue, county):
    assert tags_of(catalogue, {"county": county}) == {f"county.{county}"}


@pytest.mark.parametrize("section", "ABCDEFGHIJKLMNOPQRST")
def test_industry_section_from_any_precision_of_code(catalogue, section):
    first, last = SECTION_DIVISIONS[section]
    for code in (section, f"{section}{first:02d}", f"{section}{last:02d}1", f"{section}{last:02d}19"):
        assert in_category(tags_of(catalogue, {"industry_code": code}), "industry") == {f"industry.{section.lower()}"}


def test_a_code_whose_division_is_outside_its_section_still_names_the_section(catalogue):
    earned = tags_of(catalogue, {"industry_code": "C12", "employees": 5, "annual_revenue": 1.0})
    assert earned == {"industry.c", "employment.under_10"}      # no scale: the standard cannot place it


@pytest.mark.parametrize(("code", "groups"), [
    ("A", {"agriculture"}), ("A0111", {"agriculture"}),
    ("C", set()), ("C12", set()),                     # C alone has no division; C12 is not one of C's
    ("C13", {"food"}), ("C1310", {"food"}), ("C15", {"food"}), ("C16", {"tobacco"}),
    ("C17", {"textiles"}), ("C1711", {"textiles"}), ("C19", {"textiles"}), ("C20", {"wood_furniture"}),
    ("C23", {"paper_printing"}), ("C24", {"cultural_goods"}), ("C25", {"chemicals"}), ("C26", {"chemicals"}),
    ("C27", {"pharmaceuticals"}), ("C28", {"chemicals"}), ("C29", {"chemicals"}), ("C30", {"building_materials"}),
    ("C31", {"metals"}), ("C3216", {"metals"}), ("C33", {"equipment"}), ("C3511", {"equipment"}),
    ("C3911", {"equipment", "electronics"}), ("C40", {"equipment"}), ("C41", {"other_manufacturing"}),
    ("C43", {"other_manufacturing"}), ("C44", set()),
    ("E", {"construction"}), ("E4710", {"construction"}),
    ("F", set()), ("F51", {"wholesale"}), ("F5211", {"retail"}),
    ("I63", {"internet_telecom"}), ("I6432", {"internet_telecom"}),
    ("I65", {"software_it"}), ("I6510", {"software_it"}),
    ("M7310", set()),
])
def test_industry_groups(catalogue, code, groups):
    assert in_category(tags_of(catalogue, {"industry_code": code}), "industry_group") == \
        {f"industry_group.{group}" for group in groups}


@pytest.mark.parametrize(("profile", "expected"), [
    ({"industry_code": "C3011", "employees": 300, "annual_revenue": 20_000_000.0}, "medium"),
    ({"industry_code": "C3011", "employees": 299, "annual_revenue": 20_000_000.0}, "small"),
    ({"industry_code": "C3011", "employees": 1000, "annual_revenue": 400_000_000.0}, "large"),
    ({"industry_code": "C3011", "employees": 19, "annual_revenue": 400_000_000.0}, "micro"),
    ({"industry_code": "C3011", "employees": 300}, None),
    ({"industry_code": "G", "employees": 300, "annual_revenue": 1e9}, None),
    ({"industry_code": "E47", "annual_revenue": 3_000_000.0, "total_assets": 3_000_000.0}, "small"),
    ({"industry_code": "E47", "annual_revenue": 3_000_000.0}, None),
])
def test_scale(catalogue, profile, expected):
    assert in_category(tags_of(catalogue, profile), "scale") == ({f"scale.{expected}"} if expected else set())


@pytest.mark.parametrize(("age", "expected"), [
    (0.0, "startup"), (2.9999, "startup"), (3, "growing"), (3.0, "growing"), (9.9999, "growing"),
    (10, "mature"), (10.0, "mature"), (80.0, "mature"),
])
def test_age_bands_on_their_edges(catalogue, age, expected):
    assert in_category(catalogue.assign({"age_years": age}), "age") == {f"age.{expected}"}


@pytest.mark.parametrize(("registered", "today", "expected"), [
    ("2026-11-27", TODAY, "startup"),                        # registered today
    ("2023-11-28", TODAY, "startup"),                        # one day short of 3 years
    ("2023-11-27", TODAY, "growing"),                        # 3 years to the day, 1,096 days
    ("2020-03-01", date(2023, 2, 28), "startup"),
    ("2020-03-01", date(2023, 3, 1), "growing"),             # 3 years to the day, 1,095 days
    ("2024-02-29", date(2027, 2, 27), "startup"),            # registered on a leap day:
    ("2024-02-29", date(2027, 2, 28), "growing"),            # a year ends on 28 February then
    ("2015-11-27", date(2025, 11, 27), "mature"),            # 10 years, 3,653 days
    ("2016-11-28", TODAY, "growing"),                        # one day short of 10 years
    ("2016-11-27", TODAY, "mature"),                         # 10 years, 3,652 days
])
def test_age_from_registration_dates(catalogue, registered, today, expected):
    assert in_category(tags_of(catalogue, {"registered_on": registered}, today), "age") == {f"age.{expected}"}


def test_no_registration_date_no_age_tag(catalogue):
    assert in_category(tags_of(catalogue, {"employees": 3}), "age") == set()


@pytest.mark.parametrize("value", QUALIFICATIONS)
def test_qualifications(catalogue, value):
    others = [other for other in QUALIFICATIONS if other != value][:2]
    assert tags_of(catalogue, {"qualifications": [value]}) == {f"qualification.{value}"}
    assert tags_of(catalogue, {"qualifications": [*others, value]}) == {f"qualification.{q}" for q in [*others, value]}
    assert f"qualification.{value}" not in tags_of(catalogue, {"qualifications": others})


@pytest.mark.parametrize("value", INTERESTS)
def test_interests(catalogue, value):
    assert tags_of(catalogue, {"interests": [value]}) == {f"interest.{value}"}
    assert tags_of(catalogue, {"interests": []}) == set()


def test_all_interests_at_once(catalogue):
    assert tags_of(catalogue, {"interests": list(INTERESTS)}) == {f"interest.{value}" for value in INTERESTS}


@pytest.mark.parametrize(("intensity", "expected"), [
    (0, "none"), (0.0, "none"), (1e-9, "low"), (0.0299999, "low"), (0.03, "medium"), (0.0499999, "medium"),
    (0.05, "high"), (1.5, "high"),
])
def test_innovation_bands_on_their_edges(catalogue, intensity, expected):
    assert in_category(catalogue.assign({"rd_intensity": intensity}), "innovation") == {f"innovation.{expected}"}


@pytest.mark.parametrize(("rd", "revenue", "expected"), [
    (0.0, 1_000_000.0, "none"), (1.0, 1_000_000.0, "low"), (29_999.0, 1_000_000.0, "low"),
    (30_000.0, 1_000_000.0, "medium"), (49_999.0, 1_000_000.0, "medium"), (50_000.0, 1_000_000.0, "high"),
    (3.0, 100.0, "medium"), (5.0, 100.0, "high"), (2_500_000.0, 50_000_000.0, "high"),
    (100.0, 0.0, None), (None, 1_000_000.0, None), (100.0, None, None),
])
def test_innovation_from_profile(catalogue, rd, revenue, expected):
    profile = {"rd_expense": rd, "annual_revenue": revenue}
    assert in_category(tags_of(catalogue, profile), "innovation") == ({f"innovation.{expected}"} if expected else set())


@pytest.mark.parametrize(("employees", "expected"), [
    (0, "under_10"), (9, "under_10"), (10, "10_49"), (49, "10_49"), (50, "50_299"), (299, "50_299"),
    (300, "300_999"), (999, "300_999"), (1000, "1000_plus"), (250_000, "1000_plus"),
])
def test_employment_bands_on_their_edges(catalogue, employees, expected):
    assert in_category(tags_of(catalogue, {"employees": employees}), "employment") == {f"employment.{expected}"}


# properties -------------------------------------------------------------------------------------
profiles = st.fixed_dictionaries({}, optional={
    "registered_on": st.dates(date(1950, 1, 1), TODAY).map(date.isoformat),
    "ownership": st.sampled_from(OWNERSHIPS),
    "industry_code": st.from_regex(r"\A[A-T](\d{2}|\d{4})?\Z"),
    "county": st.sampled_from(sorted(COUNTIES)),
    "employees": st.integers(0, 100_000),
    "annual_revenue": st.floats(0, 1e11),
    "total_assets": st.floats(0, 1e11),
    "rd_expense": st.floats(0, 1e9),
    "qualifications": st.lists(st.sampled_from(QUALIFICATIONS), unique=True),
    "interests": st.lists(st.sampled_from(INTERESTS), unique=True),
    "status": st.sampled_from(["active", "deregistered"]),
})


@settings(max_examples=examples(300), deadline=None)
@given(profiles)
def test_exclusive_categories_give_one_tag_exactly_when_their_fact_is_known(profile):
    catalogue = load_default()
    facts = derive(profile, TODAY)
    earned = catalogue.assign(facts)
    if profile.get("status") == "deregistered":
        assert earned == {}
        return
    driving = {"ownership": "ownership", "industry": "industry_section", "scale": "scale", "age": "age_years",
               "county": "county", "innovation": "rd_intensity", "employment": "employees"}
    for category in EXCLUSIVE:
        assert len(in_category(earned, category)) == (1 if driving[category] in facts else 0), category
    for evidence in earned.values():
        assert all(facts[name] == value for name, value in evidence["values"].items())


def test_module_exports():
    assert set(catalogue_module.__all__) >= {"Catalogue", "load_default", "CatalogueError"}
