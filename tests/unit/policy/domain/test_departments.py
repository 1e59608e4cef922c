"""The default register of departments: the city's departments, every one the demo data names."""
import re

import pytest

from demo import load_policies
from demo.load import DEMO_STAFF
from demo.synthetic import DEPARTMENTS
from services.policy.domain import departments
from shared.contracts.departments import CODE_PATTERN
from shared.errors import Invalid

REGISTER = dict(departments.default_register())
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_department_the_demo_names_is_in_the_default_register_under_the_same_name():
    named = {(policy["department"], policy.get("department_name")) for policy in load_policies()}
    named |= set(DEPARTMENTS)
    named |= {(staff["department"], None) for staff in DEMO_STAFF if "department" in staff}
    for code, name in named:
        assert code in REGISTER, code
        assert name is None or REGISTER[code] == name, (code, name, REGISTER[code])


def test_the_default_register_has_unique_valid_codes_and_chinese_names():
    codes = [code for code, _name in departments.default_register()]
    assert len(codes) == len(set(codes)) >= 20
    for code, name in departments.default_register():
        assert re.fullmatch(CODE_PATTERN, code), code
        assert HAN.search(name) and name == name.strip() and len(name) <= 100, name


def test_an_unknown_code_is_refused_naming_the_field_and_the_known_codes():
    departments.check("industry_it", REGISTER)
    with pytest.raises(Invalid) as refused:
        departments.check("industy_it", REGISTER)   # a typo
    assert refused.value.details[0]["field"] == "department"
    assert "industy_it" in refused.value.message and "industry_it" in refused.value.message
    assert "lowercase letters, digits and underscores" in refused.value.message
