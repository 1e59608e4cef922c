"""Enterprise size (大型、中型、小型、微型) by the national SME size standard.

Source: 工业和信息化部、国家统计局、国家发展和改革委员会、财政部《关于印发中小企业划型标准规定的通知》
(工信部联企业〔2011〕300号), article 4, clauses (一) to (十六); and, for reading those clauses against
GB/T 4754-2017 industry codes, 国家统计局《统计上大中小微型企业划分办法（2017）》(国统字〔2017〕213号).

How the clauses are read (the 2017 statistical method states it in its note: 大型、中型和小型企业须
同时满足所列指标的下限，否则下划一档；微型企业只须满足所列指标中的一项即可):
- every clause lists, per indicator, three lower bounds: "X以下…的为中小微型企业" gives the large bound
  (an enterprise at or above every large bound is large), "X及以上，且Y及以上的为中型企业" the medium
  bounds and the same words the small bounds; "及以上" includes the bound, "以下" excludes it;
- an enterprise is the highest level whose every bound it meets; failing one bound drops it a level;
- micro is what is left: below at least one small bound ("…以下或…以下的为微型企业").
Money bounds are 万元 in the standard and yuan in our profiles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Level = Literal["large", "medium", "small", "micro"]
LEVELS: tuple[Level, ...] = ("large", "medium", "small", "micro")
BOUNDED_LEVELS: tuple[Level, ...] = ("large", "medium", "small")   # micro has no lower bound

WAN = 10_000  # yuan in one 万元
METRICS = ("employees", "annual_revenue", "total_assets")
MONEY_METRICS = frozenset({"annual_revenue", "total_assets"})


@dataclass(frozen=True)
class Threshold:
    """The lower bounds of one indicator, as the standard writes them (persons, or 万元)."""

    metric: str   # a profile field: employees, annual_revenue or total_assets
    large: int
    medium: int
    small: int

    def bound(self, level: Level) -> int:
        """The lower bound for `level` in profile units: persons, or yuan."""
        value: int = getattr(self, level)
        return value * WAN if self.metric in MONEY_METRICS else value


@dataclass(frozen=True)
class SizeStandard:
    group: str                          # our key for the industry group
    name: str                           # the group's name in the standard
    clause: str                         # the clause of article 4 that defines it
    thresholds: tuple[Threshold, ...]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(threshold.metric for threshold in self.thresholds)

    def classify(self, values: dict[str, float | int | None]) -> Level | None:
        """The level for the indicator values, or None when one this group needs is missing."""
        needed = [(threshold, values.get(threshold.metric)) for threshold in self.thresholds]
        if any(value is None for _, value in needed):
            return None
        for level in BOUNDED_LEVELS:
            if all(value >= threshold.bound(level) for threshold, value in needed):  # type: ignore[operator]
                return level
        return "micro"


def _standard(group: str, name: str, clause: str, *thresholds: tuple[str, int, int, int]) -> SizeStandard:
    return SizeStandard(group, name, clause, tuple(Threshold(*threshold) for threshold in thresholds))


E, R, A = "employees", "annual_revenue", "total_assets"

# 工信部联企业〔2011〕300号 article 4. Each row: (indicator, large, medium, small) lower bounds,
# persons (从业人员) or 万元 (营业收入 R, 资产总额 A), exactly as the clause words them.
STANDARDS: dict[str, SizeStandard] = {standard.group: standard for standard in (
    _standard("agriculture", "农、林、牧、渔业", "（一）", (R, 20000, 500, 50)),
    _standard("industry", "工业", "（二）", (E, 1000, 300, 20), (R, 40000, 2000, 300)),
    _standard("construction", "建筑业", "（三）", (R, 80000, 6000, 300), (A, 80000, 5000, 300)),
    _standard("wholesale", "批发业", "（四）", (E, 200, 20, 5), (R, 40000, 5000, 1000)),
    _standard("retail", "零售业", "（五）", (E, 300, 50, 10), (R, 20000, 500, 100)),
    _standard("transport", "交通运输业", "（六）", (E, 1000, 300, 20), (R, 30000, 3000, 200)),
    _standard("warehousing", "仓储业", "（七）", (E, 200, 100, 20), (R, 30000, 1000, 100)),
    _standard("postal", "邮政业", "（八）", (E, 1000, 300, 20), (R, 30000, 2000, 100)),
    _standard("accommodation", "住宿业", "（九）", (E, 300, 100, 10), (R, 10000, 2000, 100)),
    _standard("catering", "餐饮业", "（十）", (E, 300, 100, 10), (R, 10000, 2000, 100)),
    _standard("information_transmission", "信息传输业", "（十一）", (E, 2000, 100, 10), (R, 100000, 1000, 100)),
    _standard("software_it", "软件和信息技术服务业", "（十二）", (E, 300, 100, 10), (R, 10000, 1000, 50)),
    _standard("real_estate_development", "房地产开发经营", "（十三）", (R, 200000, 1000, 100), (A, 10000, 5000, 2000)),
    _standard("property_management", "物业管理", "（十四）", (E, 1000, 300, 100), (R, 5000, 1000, 500)),
    # (十五) measures leasing and business services by employees and 资产总额, not revenue.
    _standard("leasing_business_services", "租赁和商务服务业", "（十五）", (E, 300, 100, 10), (A, 120000, 8000, 100)),
    _standard("other", "其他未列明行业", "（十六）", (E, 300, 100, 10)),
)}

# GB/T 4754-2017: the divisions (大类) of each section (门类). A code whose digits fall outside
# its letter's range is not a GB/T 4754-2017 code and belongs to no group.
SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}

# Which group a code belongs to, by its longest listed prefix (section, division or 中类 group).
# The standard's scope (article 3 and the 2017 method's table) defines the groups:
#   工业 = 采矿业 B, 制造业 C, 电力、热力、燃气及水生产和供应业 D; 交通运输业 excludes 铁路运输业 (G53),
#   which, named by no clause, falls to 其他未列明行业 with the unnamed sections;
#   房地产开发经营 = K701, 物业管理 = K702; 房地产中介服务 K703, 房地产租赁经营 K704 and
#   其他房地产业 K709 are 其他未列明行业.
#   装卸搬运 (G591) was part of 交通运输业 before GB/T 4754-2017 moved it into division 59 beside
#   仓储; it stays with 交通运输业, the rest of G59 is 仓储业.
# A prefix mapped to None is ambiguous (F, G, H, I, K and K70 span several groups): the code must
# be more precise before the standard can place it.
PREFIX_GROUPS: dict[str, str | None] = {
    "A": "agriculture",
    "B": "industry", "C": "industry", "D": "industry",
    "E": "construction",
    "F": None, "F51": "wholesale", "F52": "retail",
    "G": None, "G53": "other",
    "G54": "transport", "G55": "transport", "G56": "transport", "G57": "transport", "G58": "transport",
    "G59": "warehousing", "G591": "transport",
    "G60": "postal",
    "H": None, "H61": "accommodation", "H62": "catering",
    "I": None, "I63": "information_transmission", "I64": "information_transmission", "I65": "software_it",
    "K": None, "K70": None,
    "K701": "real_estate_development", "K702": "property_management",
    "K703": "other", "K704": "other", "K709": "other",
    "L": "leasing_business_services",
    **{section: "other" for section in "JMNOPQRST"},
}

INDUSTRY_CODE = re.compile(r"^([A-T])(\d{2,4})?$")


def is_valid_code(industry_code: str) -> bool:
    """A GB/T 4754-2017 code: a section letter, optionally 2 to 4 digits whose division is in it."""
    match = INDUSTRY_CODE.match(industry_code) if isinstance(industry_code, str) else None
    if match is None:
        return False
    section, digits = match.groups()
    if digits is None:
        return True
    low, high = SECTION_DIVISIONS[section]
    return low <= int(digits[:2]) <= high


def group_of(industry_code: str | None) -> str | None:
    """The standard's industry group for a GB/T 4754-2017 code, or None when it cannot be placed."""
    if industry_code is None or not is_valid_code(industry_code):
        return None
    for length in (4, 3, 1):   # 中类 group (letter + 3 digits), division (letter + 2), section
        prefix = industry_code[:length]
        if len(prefix) == length and prefix in PREFIX_GROUPS:
            return PREFIX_GROUPS[prefix]
    return None


def standard_for(industry_code: str | None) -> SizeStandard | None:
    group = group_of(industry_code)
    return STANDARDS[group] if group is not None else None


def classify(industry_code: str | None, employees: int | None, annual_revenue: float | None,
             total_assets: float | None) -> Level | None:
    """'large', 'medium', 'small' or 'micro', or None when the industry or a needed indicator is missing."""
    standard = standard_for(industry_code)
    if standard is None:
        return None
    return standard.classify({"employees": employees, "annual_revenue": annual_revenue,
                              "total_assets": total_assets})
