"""The national SME size standard (工信部联企业〔2011〕300号) on every group's boundaries."""
from __future__ import annotations

import pytest

from services.tagging.domain import scale
from services.tagging.domain.scale import BOUNDED_LEVELS, LEVELS, STANDARDS, classify, group_of

WAN = 10_000
HUGE = 10**13

# The standard's article 4, transcribed a second time (independently of scale.STANDARDS) as
# (group, indicator, large, medium, small) in persons or 万元, to catch a typo in either.
TRANSCRIPTION = {
    "agriculture": {"annual_revenue": (20000, 500, 50)},
    "industry": {"employees": (1000, 300, 20), "annual_revenue": (40000, 2000, 300)},
    "construction": {"annual_revenue": (80000, 6000, 300), "total_assets": (80000, 5000, 300)},
    "wholesale": {"employees": (200, 20, 5), "annual_revenue": (40000, 5000, 1000)},
    "retail": {"employees": (300, 50, 10), "annual_revenue": (20000, 500, 100)},
    "transport": {"employees": (1000, 300, 20), "annual_revenue": (30000, 3000, 200)},
    "warehousing": {"employees": (200, 100, 20), "annual_revenue": (30000, 1000, 100)},
    "postal": {"employees": (1000, 300, 20), "annual_revenue": (30000, 2000, 100)},
    "accommodation": {"employees": (300, 100, 10), "annual_revenue": (10000, 2000, 100)},
    "catering": {"employees": (300, 100, 10), "annual_revenue": (10000, 2000, 100)},
    "information_transmission": {"employees": (2000, 100, 10), "annual_revenue": (100000, 1000, 100)},
    "software_it": {"employees": (300, 100, 10), "annual_revenue": (10000, 1000, 50)},
    "real_estate_development": {"annual_revenue": (200000, 1000, 100), "total_assets": (10000, 5000, 2000)},
    "property_management": {"employees": (1000, 300, 100), "annual_revenue": (5000, 1000, 500)},
    "leasing_business_services": {"employees": (300, 100, 10), "total_assets": (120000, 8000, 100)},
    "other": {"employees": (300, 100, 10)},
}

# One precise code per group, used to reach it through classify().
CODE_OF = {
    "agriculture": "A0111", "industry": "C3011", "construction": "E4710", "wholesale": "F5111",
    "retail": "F5211", "transport": "G5410", "warehousing": "G5920", "postal": "G6010",
    "accommodation": "H6110", "catering": "H6210", "information_transmission": "I6311",
    "software_it": "I6510", "real_estate_development": "K7010", "property_management": "K7020",
    "leasing_business_services": "L7111", "other": "M7310",
}

NAMES = ["农、林、牧、渔业", "工业", "建筑业", "批发业", "零售业", "交通运输业", "仓储业", "邮政业", "住宿业",
         "餐饮业", "信息传输业", "软件和信息技术服务业", "房地产开发经营", "物业管理", "租赁和商务服务业",
         "其他未列明行业"]


def test_the_table_has_the_sixteen_groups_of_the_standard():
    assert [standard.name for standard in STANDARDS.values()] == NAMES
    assert set(STANDARDS) == set(TRANSCRIPTION) == set(CODE_OF)


@pytest.mark.parametrize("group", sorted(TRANSCRIPTION))
def test_table_matches_the_transcription_in_profile_units(group):
    standard = STANDARDS[group]
    assert standard.metrics == tuple(TRANSCRIPTION[group])
    for threshold in standard.thresholds:
        unit = WAN if threshold.metric != "employees" else 1
        expected = TRANSCRIPTION[group][threshold.metric]
        assert tuple(threshold.bound(level) for level in BOUNDED_LEVELS) == tuple(n * unit for n in expected)


def test_only_construction_real_estate_and_leasing_use_total_assets():
    uses_assets = {group for group, standard in STANDARDS.items() if "total_assets" in standard.metrics}
    assert uses_assets == {"construction", "real_estate_development", "leasing_business_services"}


def _at(group: str, level: str, **override: int) -> dict:
    values = {threshold.metric: threshold.bound(level) for threshold in STANDARDS[group].thresholds}
    values.update(override)
    return values


def _classify(group: str, values: dict) -> str | None:
    return classify(CODE_OF[group], values.get("employees"), values.get("annual_revenue"), values.get("total_assets"))


BOUNDARIES = [(group, level) for group in STANDARDS for level in BOUNDED_LEVELS]


@pytest.mark.parametrize(("group", "level"), BOUNDARIES)
def test_exactly_at_every_lower_bound_is_that_level(group, level):
    assert _classify(group, _at(group, level)) == level


@pytest.mark.parametrize(("group", "level"), BOUNDARIES)
def test_one_above_every_lower_bound_is_still_that_level(group, level):
    values = {metric: value + 1 for metric, value in _at(group, level).items()}
    assert _classify(group, values) == level


@pytest.mark.parametrize(("group", "level"), BOUNDARIES)
def test_one_below_any_single_bound_drops_one_level(group, level):
    lower = LEVELS[LEVELS.index(level) + 1]
    for metric, value in _at(group, level).items():
        assert _classify(group, _at(group, level, **{metric: value - 1})) == lower, metric


@pytest.mark.parametrize(("group", "level"), [(group, level) for group, level in BOUNDARIES
                                             if len(STANDARDS[group].thresholds) == 2])
def test_meeting_only_one_bound_is_not_enough_for_two_indicator_groups(group, level):
    """同时满足: far above one bound and just below the other still drops a level."""
    lower = LEVELS[LEVELS.index(level) + 1]
    values = _at(group, level)
    for metric in values:
        others = {other: HUGE for other in values if other != metric}
        assert _classify(group, {**others, metric: values[metric] - 1}) == lower


@pytest.mark.parametrize("group", sorted(STANDARDS))
def test_micro_needs_only_one_indicator_below_small(group):
    small = _at(group, "small")
    for metric in small:
        values = {other: HUGE for other in small}
        values[metric] = 0
        assert _classify(group, values) == "micro"


@pytest.mark.parametrize("group", sorted(STANDARDS))
def test_zero_everything_is_micro_and_huge_everything_is_large(group):
    metrics = STANDARDS[group].metrics
    assert _classify(group, dict.fromkeys(metrics, 0)) == "micro"
    assert _classify(group, dict.fromkeys(metrics, HUGE)) == "large"


@pytest.mark.parametrize("group", sorted(STANDARDS))
def test_missing_a_needed_indicator_gives_none(group):
    metrics = STANDARDS[group].metrics
    for metric in metrics:
        values = dict.fromkeys(metrics, HUGE)
        del values[metric]
        assert _classify(group, values) is None


@pytest.mark.parametrize("group", sorted(STANDARDS))
def test_indicators_a_group_does_not_use_are_ignored(group):
    metrics = STANDARDS[group].metrics
    unused = [metric for metric in scale.METRICS if metric not in metrics]
    values = dict(_at(group, "medium"))
    assert _classify(group, values) == "medium"          # unused ones absent
    assert _classify(group, {**values, **dict.fromkeys(unused, 0)}) == "medium"


@pytest.mark.parametrize(("code", "employees", "revenue", "assets", "expected"), [
    # literal figures from the clauses, in yuan
    ("C3011", 1000, 400_000_000, None, "large"),
    ("C3011", 999, 400_000_000, None, "medium"),
    ("C3011", 1000, 399_999_999, None, "medium"),
    ("C3011", 300, 20_000_000, None, "medium"),
    ("C3011", 300, 19_999_999.99, None, "small"),
    ("C3011", 5000, 2_999_999, None, "micro"),      # micro: revenue alone below 300万
    ("C3011", 19, 10**10, None, "micro"),           # micro: employees alone below 20
    ("A0111", None, 500_000, None, "small"),        # agriculture: revenue only
    ("A0111", None, 499_999, None, "micro"),
    ("A0111", 100000, 200_000_000, None, "large"),
    ("E4710", None, 60_000_000, 50_000_000, "medium"),
    ("E4710", None, 60_000_000, 49_999_999, "small"),
    ("E4710", 3, 3_000_000, 3_000_000, "small"),     # employees play no part in construction
    ("K7010", None, 2_000_000_000, 100_000_000, "large"),
    ("K7010", None, 2_000_000_000, 99_999_999, "medium"),
    ("K7010", None, 1_000_000, 20_000_000, "small"),
    ("K7010", None, 1_000_000, 19_999_999, "micro"),
    ("L7212", 100, None, 80_000_000, "medium"),      # leasing: employees and assets, no revenue
    ("L7212", 100, 10**12, None, None),
    ("M7310", 300, None, None, "large"),
    ("M7310", 9, None, None, "micro"),
    ("M7310", 0, None, None, "micro"),
    ("F5111", 5, 10_000_000, None, "small"),
    ("F5111", 4, 10_000_000, None, "micro"),
    ("F5211", 50, 5_000_000, None, "medium"),
    ("I6510", 10, 500_000, None, "small"),
    ("I6510", 10, 499_999, None, "micro"),
    ("I6311", 2000, 1_000_000_000, None, "large"),
    ("K7020", 100, 5_000_000, None, "small"),
    ("K7020", 99, 5_000_000, None, "micro"),
])
def test_literal_cases(code, employees, revenue, assets, expected):
    assert classify(code, employees, revenue, assets) == expected


@pytest.mark.parametrize(("code", "group"), [
    ("A", "agriculture"), ("A01", "agriculture"), ("A05", "agriculture"), ("A0511", "agriculture"),
    ("B", "industry"), ("B06", "industry"), ("C", "industry"), ("C30", "industry"), ("C3011", "industry"),
    ("C301", "industry"), ("D4411", "industry"), ("E", "construction"), ("E50", "construction"),
    ("F51", "wholesale"), ("F5111", "wholesale"), ("F52", "retail"), ("F5291", "retail"),
    ("G53", "other"), ("G5311", "other"),                       # 铁路运输业 is outside 交通运输业
    ("G54", "transport"), ("G5410", "transport"), ("G55", "transport"), ("G56", "transport"),
    ("G57", "transport"), ("G58", "transport"), ("G5810", "transport"),
    ("G5910", "transport"),                                      # 装卸搬运
    ("G59", "warehousing"), ("G5920", "warehousing"), ("G599", "warehousing"), ("G5990", "warehousing"),
    ("G60", "postal"), ("G6020", "postal"),
    ("H61", "accommodation"), ("H6110", "accommodation"), ("H62", "catering"), ("H6210", "catering"),
    ("I63", "information_transmission"), ("I64", "information_transmission"), ("I6432", "information_transmission"),
    ("I65", "software_it"), ("I6510", "software_it"),
    ("K701", "real_estate_development"), ("K7010", "real_estate_development"),
    ("K702", "property_management"), ("K7020", "property_management"),
    ("K7030", "other"), ("K7040", "other"), ("K7090", "other"),
    ("L", "leasing_business_services"), ("L71", "leasing_business_services"), ("L7212", "leasing_business_services"),
    ("J", "other"), ("J6621", "other"), ("M", "other"), ("M7310", "other"), ("N", "other"), ("O", "other"),
    ("P", "other"), ("Q", "other"), ("R", "other"), ("S", "other"), ("T", "other"), ("T97", "other"),
])
def test_group_of(code, group):
    assert group_of(code) == group


@pytest.mark.parametrize("code", ["F", "G", "H", "I", "K", "K70", "K7050"])
def test_codes_spanning_several_groups_are_not_placed(code):
    assert group_of(code) is None
    assert classify(code, 10**6, 10**12, 10**12) is None


@pytest.mark.parametrize("code", [None, "", "c30", "Z", "U", "C3", "C30111", "C12", "C44", "F50", "K71", "A06",
                                  "T98", " C30", "C30 ", 30])
def test_malformed_or_inconsistent_codes_are_not_placed(code):
    assert group_of(code) is None
    assert classify(code, 10**6, 10**12, 10**12) is None


def test_every_section_division_pair_of_the_classification_is_placed():
    for section, (low, high) in scale.SECTION_DIVISIONS.items():
        for division in range(low, high + 1):
            code = f"{section}{division:02d}"
            if code == "K70":
                assert group_of(code) is None
            else:
                assert group_of(code) in STANDARDS, code
