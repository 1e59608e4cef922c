"""demo.enterprises: valid, unique, deterministic and realistic enterprise profiles."""
from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import date

import pytest

from demo.enterprises import INDUSTRIES, SOURCES, TODAY, generate, make_uscc, split_by_source
from services.tagging.domain import scale
from shared import uscc
from shared.contracts.gov import COUNTIES, EnterpriseProfile

QUALIFICATIONS = {"high_tech_enterprise", "tech_sme", "specialized_sme", "little_giant", "gazelle"}
INTERESTS = {"financing", "tax_relief", "talent", "innovation", "export", "digital", "land", "energy", "employment"}


@pytest.fixture(scope="module")
def many() -> list[dict]:  # seconds of CPU: the tests that use it are `slow`
    return generate(200_000)


@pytest.fixture(scope="module")
def sample(many) -> list[dict]:
    return random.Random(5).sample(many, 5_000)


@pytest.mark.slow
def test_every_sampled_profile_validates_against_the_contract(sample):
    for profile in sample:
        model = EnterpriseProfile.model_validate(profile)
        assert model.model_dump(mode="json", exclude_unset=True) == profile


@pytest.mark.slow
def test_usccs_are_valid_and_unique_over_200_000(many):
    codes = [profile["uscc"] for profile in many]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert uscc.validate(code) == code
        assert code[:2] in ("91", "92")


@pytest.mark.slow
def test_uscc_follows_the_issuing_rules(many):
    for profile in many[:20_000]:
        code, registered = profile["uscc"], date.fromisoformat(profile["registered_on"])
        assert (code[:2] == "92") == (profile["ownership"] == "individual_business")
        assert code[2:8] in {*COUNTIES, "371600", "371626"}
        if code[2:8] == "371626":      # 邹平县 before it became 邹平市
            assert profile["county"] == "371681" and registered < date(2019, 1, 1)
        if code[8:10] != "MA":          # the old organisation code, for enterprises older than the USCC
            assert registered < date(2015, 10, 1) and code[8:16].isdigit()


def test_make_uscc_is_injective_per_seed():
    day_old, day_new = date(2010, 5, 1), date(2020, 5, 1)
    codes = {make_uscc(index, 3, False, "371602", day_old) for index in range(5_000)}
    codes |= {make_uscc(index, 3, False, "371602", day_new) for index in range(5_000)}
    assert len(codes) == 10_000


def test_same_seed_same_profiles_and_prefixes_agree():
    first = generate(3_000, seed=7)
    assert generate(3_000, seed=7) == first
    assert generate(1_000, seed=7) == first[:1_000]
    other = generate(3_000, seed=8)
    assert other != first
    assert len({p["uscc"] for p in other} & {p["uscc"] for p in first}) < 30


def test_generate_rejects_a_negative_count():
    assert generate(0) == []
    with pytest.raises(ValueError):
        generate(-1)


@pytest.mark.slow
def test_fields_are_in_range(many):
    earliest, latest = date(1995, 1, 1), date(2026, 11, 26)
    for profile in many:
        registered = date.fromisoformat(profile["registered_on"])
        assert earliest <= registered <= latest < TODAY
        assert profile["status"] == "active"
        assert profile["county"] in COUNTIES
        code = profile["industry_code"]
        assert scale.is_valid_code(code) and len(code) in (4, 5)
        assert set(profile.get("qualifications", ())) <= QUALIFICATIONS
        if "interests" in profile:            # absent rather than empty
            interests = profile["interests"]
            assert 1 <= len(interests) <= 3
            assert set(interests) <= INTERESTS and interests == sorted(set(interests))
        if "rd_expense" in profile:
            assert 0 < profile["rd_expense"] < profile["annual_revenue"]
        if profile["ownership"] == "individual_business":
            assert 1 <= profile["employees"] <= 8 and "qualifications" not in profile


def test_industry_table_uses_real_codes():
    codes = [industry.code for industry in INDUSTRIES]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert scale.is_valid_code(code) and scale.group_of(code) is not None, code


def _share(profiles, predicate) -> float:
    return sum(1 for profile in profiles if predicate(profile)) / len(profiles)


@pytest.mark.slow
def test_distributions_look_like_binzhou(many):
    counties = Counter(profile["county"] for profile in many)
    assert set(counties) == set(COUNTIES)
    assert {county for county, _ in counties.most_common(2)} == {"371681", "371602"}   # 邹平, 滨城
    sections = Counter(profile["industry_code"][0] for profile in many)
    assert sections.most_common(1)[0][0] == "C" and 0.2 < sections["C"] / len(many) < 0.32
    ownership = Counter(profile["ownership"] for profile in many)
    assert ownership.most_common(1)[0][0] == "private" and ownership["private"] / len(many) > 0.65
    assert len(ownership) == 6

    assert _share(many, lambda p: p["employees"] < 50) > 0.75
    assert 0.0005 < _share(many, lambda p: p["employees"] >= 1_000) < 0.01
    assert 0.02 < _share(many, lambda p: "annual_revenue" not in p) < 0.08
    assert 0.08 < _share(many, lambda p: "rd_expense" in p) < 0.18
    assert 0.2 < _share(many, lambda p: p["registered_on"] >= "2023-11-27") < 0.4      # under 3 years

    expected = {"high_tech_enterprise": (0.03, 0.055), "tech_sme": (0.06, 0.10), "specialized_sme": (0.02, 0.045),
                "little_giant": (0.003, 0.01), "gazelle": (0.003, 0.01)}
    for code, (low, high) in expected.items():
        assert low < _share(many, lambda p, code=code: code in p.get("qualifications", ())) < high, code
    counts = Counter(len(profile.get("interests", ())) for profile in many)
    assert all(0.1 < counts[n] / len(many) < 0.45 for n in range(4))


@pytest.mark.slow
def test_revenue_and_assets_follow_size(many):
    def median_revenue(predicate):
        return statistics.median(p["annual_revenue"] for p in many if "annual_revenue" in p and predicate(p))

    assert median_revenue(lambda p: p["employees"] >= 300) > 20 * median_revenue(lambda p: p["employees"] < 10)
    manufacturing = median_revenue(lambda p: p["industry_code"][0] == "C" and 20 <= p["employees"] < 50)
    catering = median_revenue(lambda p: p["industry_code"][0] == "H" and 20 <= p["employees"] < 50)
    assert manufacturing > 3 * catering
    assert all(p["total_assets"] > 0 for p in many if "total_assets" in p)


@pytest.mark.slow
def test_names_are_chinese_and_nearly_unique(many):
    names = [profile["name"] for profile in many]
    assert len(set(names)) > 0.99 * len(names)
    for profile in many[:5_000]:
        name = profile["name"]
        assert 1 <= len(name) <= 200
        if profile["ownership"] != "individual_business":
            assert name.endswith("有限公司")
            places = ("滨州", "山东", "邹平", "博兴", "惠民", "阳信", "无棣", "沾化", "滨城")
            assert name.startswith(places) or "（滨州）" in name


@pytest.mark.slow
def test_split_by_source_rebuilds_the_profile(sample):
    known = {source: set(fields) for source, fields in SOURCES}
    for profile in sample[:2_000]:
        parts = split_by_source(profile)
        assert parts[0][0] == "market-regulation"
        merged = {}
        for source, partial in parts:
            assert partial["uscc"] == profile["uscc"]
            assert set(partial) - {"uscc"} <= known[source] and len(partial) > 1
            EnterpriseProfile.model_validate(partial)
            assert not (set(merged) - {"uscc"}) & (set(partial) - {"uscc"})
            merged.update(partial)
        assert merged == profile


def test_split_by_source_names_the_agreed_sources():
    profile = next(p for p in generate(2_000) if "qualifications" in p and "interests" in p)
    sources = dict(split_by_source(profile))
    assert list(sources) == ["market-regulation", "tax", "human-resources", "science-bureau", "self"]
    assert set(sources["tax"]) == {"uscc", "annual_revenue", "total_assets", "rd_expense"}
    assert set(sources["human-resources"]) == {"uscc", "employees"}
    assert set(sources["science-bureau"]) == {"uscc", "qualifications"}
    assert set(sources["self"]) == {"uscc", "interests"}


def test_every_demo_enterprise_has_a_mobile_number_made_from_its_code():
    from demo.enterprises import contact_phone, generate
    from shared.phones import is_mobile

    profiles = generate(200)
    assert all(is_mobile(profile["contact_phone"]) for profile in profiles)
    assert all(profile["contact_phone"] == contact_phone(profile["uscc"]) for profile in profiles)
    assert len({profile["contact_phone"] for profile in profiles}) == len(profiles)


def test_demo_people_have_logins_and_a_newcomer_is_left_to_register():
    from demo.load import DEMO_STAFF, REGISTERED_ENTERPRISES, demo_usccs, newcomer
    from services.accounts.domain.accounts import staff_login_problem

    assert [staff_login_problem(staff["login"]) for staff in DEMO_STAFF] == [None] * len(DEMO_STAFF)
    assert {staff["role"] for staff in DEMO_STAFF} >= {"city_admin", "department_staff", "window_clerk"}
    fresh = newcomer()
    assert fresh["uscc"] not in demo_usccs()[:REGISTERED_ENTERPRISES] and fresh["contact_phone"]
