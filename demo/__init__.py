"""Demo and benchmark data for Huiqi: realistic Binzhou enterprises and policies.

- `demo.enterprises.generate(count, seed)`: deterministic enterprise profiles (contract section 1),
  and `split_by_source(profile)`: the partial profiles each government source would publish.
- `demo/policies.json`: a JSON list of about thirty realistic policies of Binzhou city and county
  departments (contract sections 3 and 6); `demo.load_policies()` reads them.
- `demo.synthetic.synthetic_policies(count, seed)`: many selective policies for benchmarks.

A policy entry has the fields of a policy draft (contract sections 4 and 6, with the platform's
`department_name` and, for county-level policies, `county`); synthetic ones add
`expected_selectivity` and `expected_matches`. `api_body(entry)` keeps only the draft's fields,
ready for `POST /api/v1/policies` (shared.contracts.policies.PolicyDraft).
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

POLICIES_RESOURCE = ("demo", "policies.json")
# The fields a client sends when creating a policy (contract sections 4 and 6; PolicyDraft).
API_FIELDS = ("title", "department", "department_name", "level", "county", "summary", "body", "eligibility",
              "valid_from", "valid_to", "redeemable", "proactive", "subsidy", "budget", "exclusive_group",
              "materials", "stage_limits")


def load_policies() -> list[dict[str, Any]]:
    """The demo policies of demo/policies.json, in file order."""
    package, name = POLICIES_RESOURCE
    data = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    return list(data)


def api_body(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry without the demo's own keys (expected_selectivity, ...): only the draft fields it has."""
    return {key: entry[key] for key in API_FIELDS if key in entry}


__all__ = ["API_FIELDS", "api_body", "load_policies"]
