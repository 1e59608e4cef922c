"""Teams of counsellors: province, city or county level; a county team names its county."""
from __future__ import annotations

import enum
from collections.abc import Sequence

from shared.contracts.gov import COUNTIES
from shared.errors import Invalid


class Level(enum.StrEnum):
    province = "province"
    city = "city"
    county = "county"


LEVELS: tuple[Level, ...] = (Level.county, Level.city, Level.province)   # bottom to top
LEVEL_NAMES = {Level.province: "省级", Level.city: "市级", Level.county: "县级"}
MAX_ENTERPRISES = 10_000   # enterprises named in one assignment


def check_team(*, name: str, level: str, county: str | None) -> dict:
    """A new team's fields, checked: Invalid naming the field otherwise."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("name：团队名称为1到100个字符", {"field": "name"})
    if level not in set(Level):
        raise Invalid(f"level：团队层级须为 {', '.join(Level)} 之一", {"field": "level", "value": level})
    if level == Level.county and county not in COUNTIES:
        raise Invalid(f"county：县级团队须指明所在县区，为 {', '.join(COUNTIES)} 之一",
                      {"field": "county", "value": county})
    if level != Level.county and county is not None:
        raise Invalid("county：只有县级团队指明县区", {"field": "county", "value": county})
    return {"name": name, "level": str(level), "county": county}


def check_usccs(usccs: Sequence[str]) -> list[str]:
    """The enterprises of an assignment, each once, in the order given."""
    unique = list(dict.fromkeys(usccs))
    if len(unique) > MAX_ENTERPRISES:
        raise Invalid(f"usccs：一次最多指定 {MAX_ENTERPRISES} 家企业", {"field": "usccs", "count": len(unique)})
    return unique
