"""Synthetic policies for benchmarks: many distinct, selective eligibility rules.

`synthetic_policies(count, seed)` gives policy entries of the same shape as demo/policies.json, each
with `expected_selectivity` (and `expected_matches`): the share of `generate(100_000)`
(demo.enterprises, seed 7) its rule matches, computed exactly when the rule is built. Every rule
matches between 0.8% and 7.5% of that population (so between 0.5% and 10% of any large sample of
it), and combines a county, industry or scale tag with numeric conditions, in eight shapes:

    tag and x >= a                 tag and tag and x >= a           tag and x >= a and y >= b
    (tag or tag) and x >= a        tag and not tag and x >= a       tag and a <= x < b
    tag and x < a                  tag and industry_division in [...] and x >= a

Tags are only those the default catalogue derives directly from the profile (`county.*`,
`industry.<section>`, `scale.*` by the national SME standard) and fields only profile numbers and
the derived `revenue_per_employee` and `rd_intensity`, so the computed selectivity is what the
tagging service and shared.eligibility give: nothing here depends on the date.

Cost: building the population takes about 2.5 s of CPU once per process; then about 3 s per
1,000 policies (less when called again: group caches live with the population).
"""
from __future__ import annotations

import dataclasses
import math
import random
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from demo.enterprises import COUNTY_NAMES, generate
from services.tagging.domain.scale import classify  # the tagging service's own reading of the standard

POPULATION = 100_000
POPULATION_SEED = 7
LOWEST, HIGHEST = 0.008, 0.075          # the band every expected selectivity falls in

SECTION_NAMES = {
    "a": "农林牧渔业", "c": "制造业", "e": "建筑业", "f": "批发和零售业", "g": "交通运输业",
    "h": "住宿和餐饮业", "i": "信息技术服务业", "k": "房地产业", "l": "租赁和商务服务业", "m": "科技服务业",
}
SCALE_NAMES = {"medium": "中型", "small": "小型", "micro": "微型"}
FIELD_NAMES = {
    "employees": "从业人员", "annual_revenue": "营业收入", "total_assets": "资产总额", "rd_expense": "研发费用",
    "revenue_per_employee": "人均营业收入", "rd_intensity": "研发投入强度",
}
MONEY_FIELDS = ("annual_revenue", "total_assets", "rd_expense", "revenue_per_employee")
FIELDS = ("employees", "annual_revenue", "total_assets", "rd_expense", "revenue_per_employee", "rd_intensity")
FIELD_WEIGHTS = (3, 4, 2, 1, 1, 1)
# divisions worth naming in `industry_division in [...]`, by the section tag they refine
DIVISIONS = {
    "c": ("C13", "C17", "C26", "C32", "C33", "C35", "C36"), "f": ("F51", "F52"), "a": ("A01", "A03"),
    "g": ("G54", "G58", "G59"), "i": ("I64", "I65"), "e": ("E47", "E48", "E49", "E50"),
}
DEPARTMENTS = (
    ("industry_it", "滨州市工业和信息化局"), ("science_tech", "滨州市科学技术局"),
    ("hrss", "滨州市人力资源和社会保障局"), ("commerce", "滨州市商务局"), ("agriculture", "滨州市农业农村局"),
    ("finance_regulation", "滨州市地方金融监督管理局"), ("finance", "滨州市财政局"),
    ("market_regulation", "滨州市市场监督管理局"),
)
SHAPES = ("one_tag", "two_tags", "two_fields", "either_tag", "tag_but_not", "band", "upper", "divisions")
SHAPE_WEIGHTS = (3, 3, 3, 2, 2, 2, 1, 2)


@dataclasses.dataclass(frozen=True)
class _Population:
    size: int
    tags: dict[str, frozenset[int]]                 # tag code -> enterprise indexes
    divisions: dict[str, frozenset[int]]            # industry division -> indexes
    columns: dict[str, list[float | None]]          # field -> value per index (None: absent)
    groups: dict[Any, frozenset[int]] = dataclasses.field(default_factory=dict)           # cache: combined tags
    sorted_values: dict[Any, list[float]] = dataclasses.field(default_factory=dict)      # cache: (group, field)


def population(size: int = POPULATION, seed: int = POPULATION_SEED) -> _Population:
    """The enterprises of generate(size, seed) as tag sets and numeric columns (built once per process)."""
    return _population(size, seed)


@lru_cache(maxsize=4)
def _population(size: int, seed: int) -> _Population:
    tags: dict[str, set[int]] = {}
    divisions: dict[str, set[int]] = {}
    columns: dict[str, list[float | None]] = {name: [] for name in FIELDS}
    for index, profile in enumerate(generate(size, seed)):
        code = profile["industry_code"]
        employees = profile.get("employees")
        revenue = profile.get("annual_revenue")
        assets = profile.get("total_assets")
        rd_expense = profile.get("rd_expense")
        tags.setdefault(f"county.{profile['county']}", set()).add(index)
        tags.setdefault(f"industry.{code[0].lower()}", set()).add(index)
        divisions.setdefault(code[:3], set()).add(index)
        scale = classify(code, employees, revenue, assets)
        if scale is not None:
            tags.setdefault(f"scale.{scale}", set()).add(index)
        columns["employees"].append(employees)
        columns["annual_revenue"].append(revenue)
        columns["total_assets"].append(assets)
        columns["rd_expense"].append(rd_expense)
        columns["revenue_per_employee"].append(
            revenue / employees if revenue is not None and employees else None)
        columns["rd_intensity"].append(
            rd_expense / revenue if rd_expense is not None and revenue else None)
    return _Population(size, {code: frozenset(members) for code, members in tags.items()},
                       {code: frozenset(members) for code, members in divisions.items()}, columns)


def _nice(field: str, value: float, upward: bool) -> float | int:
    """A threshold a person would write: whole persons, two significant figures, or 0.1% steps."""
    if field == "employees":
        return int(math.ceil(value) if upward else math.floor(value))
    if field == "rd_intensity":
        step = 0.001
    else:
        step = 10 ** max(0, int(math.floor(math.log10(max(value, 1.0)))) - 1)
    rounded = (math.ceil if upward else math.floor)(value / step) * step
    return round(rounded, 3) if field == "rd_intensity" else int(rounded)


class _Builder:
    def __init__(self, people: _Population, rng: random.Random) -> None:
        self.people = people
        self.rng = rng
        self._sorted = people.sorted_values      # caches live with the population, across calls
        self._groups = people.groups

    # groups and their sorted values ------------------------------------------------------
    def group(self, key: Any, make: Callable[[], frozenset[int]]) -> frozenset[int]:
        if key not in self._groups:
            self._groups[key] = make()
        return self._groups[key]

    def values(self, key: Any, members: frozenset[int], field: str) -> list[float]:
        cache_key = (key, field)
        found = self._sorted.get(cache_key)
        if found is None:
            column = self.people.columns[field]
            found = [value for value in [column[i] for i in members] if value is not None]
            found.sort()
            self._sorted[cache_key] = found
        return found

    # picking -------------------------------------------------------------------------------
    def pick_tag(self, kinds: Sequence[str] = ("county", "industry", "scale")) -> str:
        kind = self.rng.choice(kinds)
        if kind == "county":
            return f"county.{self.rng.choice(tuple(COUNTY_NAMES))}"
        if kind == "industry":
            return f"industry.{self.rng.choice(tuple(SECTION_NAMES))}"
        return f"scale.{self.rng.choice(tuple(SCALE_NAMES))}"

    def pick_field(self) -> str:
        return self.rng.choices(FIELDS, FIELD_WEIGHTS)[0]

    def target(self) -> float:
        return math.exp(self.rng.uniform(math.log(LOWEST * 1.1), math.log(HIGHEST * 0.9)))

    # thresholds ----------------------------------------------------------------------------
    def lower_bound(self, values: list[float], field: str, wanted: int) -> tuple[float | int, int] | None:
        """A nice `a` so that about `wanted` of `values` are >= a; None when impossible."""
        if wanted <= 0 or wanted > len(values):
            return None
        threshold = _nice(field, values[len(values) - wanted], upward=False)
        count = len(values) - bisect_left(values, threshold)
        return threshold, count

    def upper_bound(self, values: list[float], field: str, wanted: int) -> tuple[float | int, int] | None:
        """A nice `a` so that about `wanted` of `values` are < a."""
        if wanted <= 0 or wanted >= len(values):
            return None
        threshold = _nice(field, values[wanted], upward=True)
        return threshold, bisect_left(values, threshold)

    # shapes: each returns (rule, matches, words) or None ------------------------------------
    def build(self, shape: str) -> tuple[dict[str, Any], int, list[str]] | None:
        tags = self.people.tags
        wanted = round(self.target() * self.people.size)
        if shape in ("one_tag", "band", "upper"):
            tag = self.pick_tag()
            members = tags.get(tag, frozenset())
            key: Any = tag
            head: list[dict[str, Any]] = [{"tag": tag}]
            words = [_tag_words(tag)]
        elif shape == "two_tags":
            county = self.pick_tag(("county",))
            other = self.pick_tag(("industry", "scale"))
            key = (county, other)
            members = self.group(key, lambda: tags.get(county, frozenset()) & tags.get(other, frozenset()))
            head = [{"tag": county}, {"tag": other}]
            words = [_tag_words(county), _tag_words(other)]
        elif shape == "either_tag":
            first, second = self.pick_tag(("county",)), self.pick_tag(("county", "industry"))
            if first == second:
                return None
            key = ("any", first, second)
            members = self.group(key, lambda: tags.get(first, frozenset()) | tags.get(second, frozenset()))
            head = [{"any": [{"tag": first}, {"tag": second}]}]
            words = [f"{_tag_words(first)}或{_tag_words(second)}"]
        elif shape == "tag_but_not":
            tag, excluded = self.pick_tag(("county", "industry")), self.pick_tag(("scale",))
            key = ("not", tag, excluded)
            members = self.group(key, lambda: tags.get(tag, frozenset()) - tags.get(excluded, frozenset()))
            head = [{"tag": tag}, {"not": {"tag": excluded}}]
            words = [_tag_words(tag), f"非{_tag_words(excluded)}"]
        elif shape == "divisions":
            section = self.rng.choice(tuple(DIVISIONS))
            chosen = sorted(self.rng.sample(DIVISIONS[section], self.rng.randint(1, min(3, len(DIVISIONS[section])))))
            county = self.pick_tag(("county",))
            key = ("divisions", county, tuple(chosen))
            members = self.group(key, lambda: tags.get(county, frozenset()) & frozenset().union(
                *(self.people.divisions.get(code, frozenset()) for code in chosen)))
            head = [{"tag": county}, {"field": "industry_division", "op": "in", "value": chosen}]
            words = [_tag_words(county), f"行业大类{'、'.join(chosen)}"]
        else:   # two_fields
            tag = self.pick_tag()
            members = tags.get(tag, frozenset())
            key = tag
            head = [{"tag": tag}]
            words = [_tag_words(tag)]

        field = self.pick_field()
        values = self.values(key, members, field)
        if shape == "upper":
            found = self.upper_bound(values, field, wanted)
            if found is None:
                return None
            threshold, count = found
            return {"all": [*head, {"field": field, "op": "<", "value": threshold}]}, count, \
                [*words, f"{FIELD_NAMES[field]}低于{_amount(field, threshold)}"]
        if shape == "band":
            above = round(wanted * self.rng.uniform(0.2, 3.0))     # left out above the band
            low = self.lower_bound(values, field, wanted + above)
            high = self.lower_bound(values, field, above)
            if low is None or high is None or high[0] <= low[0]:
                return None
            count = low[1] - high[1]
            return {"all": [*head, {"field": field, "op": ">=", "value": low[0]},
                            {"field": field, "op": "<", "value": high[0]}]}, count, \
                [*words, f"{FIELD_NAMES[field]}{_amount(field, low[0])}至{_amount(field, high[0])}"]
        if shape == "two_fields":
            second = self.pick_field()
            if second == field:
                return None
            share = self.rng.uniform(0.15, 0.6)            # the first condition keeps this share of the group
            first = self.lower_bound(values, field, max(wanted, round(len(values) * share)))
            if first is None:
                return None
            column, other, bound = self.people.columns[field], self.people.columns[second], first[0]
            kept = [other[i] for i in members if column[i] is not None and column[i] >= bound]
            kept = [value for value in kept if value is not None]
            kept.sort()
            found = self.lower_bound(kept, second, wanted)
            if found is None:
                return None
            threshold, count = found
            return {"all": [*head, {"field": field, "op": ">=", "value": first[0]},
                            {"field": second, "op": ">=", "value": threshold}]}, count, \
                [*words, f"{FIELD_NAMES[field]}不低于{_amount(field, first[0])}",
                 f"{FIELD_NAMES[second]}不低于{_amount(second, threshold)}"]
        found = self.lower_bound(values, field, wanted)
        if found is None:
            return None
        threshold, count = found
        return {"all": [*head, {"field": field, "op": ">=", "value": threshold}]}, count, \
            [*words, f"{FIELD_NAMES[field]}不低于{_amount(field, threshold)}"]


def _tag_words(tag: str) -> str:
    category, value = tag.split(".", 1)
    if category == "county":
        return COUNTY_NAMES[value]
    if category == "industry":
        return SECTION_NAMES[value]
    return f"{SCALE_NAMES[value]}规模"


def _amount(field: str, value: float) -> str:
    if field == "employees":
        return f"{value}人"
    if field == "rd_intensity":
        return f"{value * 100:g}%"
    if value >= 100_000_000:
        return f"{value / 100_000_000:g}亿元"
    if value >= 10_000:
        return f"{value / 10_000:g}万元"
    return f"{value:g}元"


def synthetic_policies(count: int, seed: int = 11, *, enterprises: int = POPULATION,
                       enterprise_seed: int = POPULATION_SEED) -> list[dict[str, Any]]:
    """`count` policies with distinct rules, each matching 0.8%-7.5% of generate(enterprises, enterprise_seed).

    Same `count` and `seed`, same policies; each carries `expected_selectivity` (a share, 0..1) and
    `expected_matches` on that population. Building the population takes a few seconds, once per
    process.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    people = population(enterprises, enterprise_seed)
    rng = random.Random(seed)
    builder = _Builder(people, rng)
    seen: set[str] = set()
    policies: list[dict[str, Any]] = []
    attempts = 0
    while len(policies) < count:
        attempts += 1
        if attempts > 50 * count + 1000:
            raise RuntimeError(f"could only build {len(policies)} distinct synthetic rules of {count}")
        shape = rng.choices(SHAPES, SHAPE_WEIGHTS)[0]
        built = builder.build(shape)
        if built is None:
            continue
        rule, matches, words = built
        selectivity = matches / people.size
        fingerprint = repr(rule)
        if not LOWEST <= selectivity <= HIGHEST or fingerprint in seen:
            continue
        seen.add(fingerprint)
        policies.append(_policy(len(policies) + 1, rng, rule, words, matches, selectivity))
    return policies


def _policy(number: int, rng: random.Random, rule: dict[str, Any], words: list[str], matches: int,
            selectivity: float) -> dict[str, Any]:
    department, department_name = rng.choice(DEPARTMENTS)
    redeemable = rng.random() < 0.5
    scope = "，".join(words)
    entry: dict[str, Any] = {
        "title": f"合成测试政策{number:05d}：{words[0]}企业专项扶持",  # 滨城区企业, 中型规模企业
        "department": department,
        "department_name": department_name,
        "level": "city",
        "summary": f"面向{scope}的企业的专项扶持政策（基准测试用合成数据）。",
        "body": (f"支持对象：{scope}的企业。支持标准：按本政策规定给予扶持。"
                 "申报材料：申请表、营业执照、相关证明材料。本政策为性能基准测试生成的合成数据。"),
        "eligibility": rule,
        "valid_from": "2026-01-01",
        "valid_to": "2028-12-31",
        "redeemable": redeemable,
        "proactive": redeemable and rng.random() < 0.25,
    }
    if redeemable:
        kind = rng.random()
        if kind < 0.6:
            entry["subsidy"] = {"type": "fixed", "amount": rng.choice((10_000, 20_000, 50_000, 100_000, 200_000))}
        elif kind < 0.85:
            entry["subsidy"] = {"type": "per_unit", "field": "employees", "rate": rng.choice((200, 500, 1000)),
                                "cap": rng.choice((100_000, 300_000, 500_000))}
        else:
            entry["subsidy"] = {"type": "ratio", "field": "rd_expense", "rate": rng.choice((0.05, 0.1)),
                                "cap": rng.choice((500_000, 1_000_000))}
        entry["budget"] = rng.choice((1_000_000, 2_000_000, 5_000_000, 10_000_000))
    entry["materials"] = ["申请表", "营业执照", "相关证明材料"][: rng.randint(0, 3)]
    entry["expected_selectivity"] = round(selectivity, 6)
    entry["expected_matches"] = matches
    return entry


__all__ = ["LOWEST", "HIGHEST", "population", "synthetic_policies"]
