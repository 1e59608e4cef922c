"""The register of departments (contract section 6), which the city administrator keeps.

A policy's `department` and a department staff account's must be a code held here, so a typo
is refused (422) instead of becoming a new department. The default register, the city's
departments, is data (`departments.json`), added on start to a register that has never held
each code (`department_store.seed`); a name the administrator changed is kept.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from functools import cache
from importlib import resources

from shared.contracts.departments import CODE_RULE
from shared.errors import Invalid

DEFAULT_RESOURCE = ("services.policy", "departments.json")
SHOWN_UNKNOWN = 40   # known codes listed in a refusal: enough to spot the intended one


@cache
def default_register() -> tuple[tuple[str, str], ...]:
    """(code, name) of the city's departments."""
    package, name = DEFAULT_RESOURCE
    data = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    return tuple((entry["code"], entry["name"]) for entry in data["departments"])


def check(code: str, known: Collection[str]) -> None:
    """Invalid (422) naming `department` unless the register holds `code`."""
    if code not in known:
        raise unknown(code, known)


def unknown(code: str, known: Collection[str]) -> Invalid:
    shown = sorted(known)[:SHOWN_UNKNOWN]
    return Invalid(f"department {code!r} is not in the register of departments; the city administrator adds one "
                   f"with PUT /api/v1/departments/{{code}} ({CODE_RULE}). Known: {', '.join(shown)}",
                   [{"field": "department", "message": f"unknown department {code!r}: not in GET /api/v1/departments"}])
